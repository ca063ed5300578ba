package io.rhizome.mesh.example;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The example HTTP service of the demo and of the multi-process tests. JDK only.
 *
 * <p>Routes (every response carries {@code x-echo-instance: NAME}):
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code ok}
 *   <li>{@code GET /download?bytes=N}: 200, N bytes of filler, chunked, streamed in 64 KiB writes
 *   <li>{@code /status/CODE}: that status (200..599) with a short body
 *   <li>{@code /delay/MS}: waits MS milliseconds (without holding a worker thread), then echoes
 *   <li>{@code POST /control/fail}: from now on every request except {@code /healthz} and {@code
 *       /control/*} is answered 500 {@code failing} (the health check still passes: an instance
 *       with a broken application, for outlier-detection tests and demos); {@code POST
 *       /control/recover} ends that; both answer 200 with the new state
 *   <li>anything else, any method: 200 JSON describing the request; the request body is counted as
 *       it streams in, never held in memory
 * </ul>
 *
 * HEAD gets the same status and headers with no body.
 *
 * <p>In-process use (tests): {@link #start(String, String, int)} (port 0 picks a free port), {@link
 * #port()}, {@link #stop()}.
 */
public final class EchoService implements AutoCloseable {

    /** Response header naming the instance that answered. */
    public static final String INSTANCE_HEADER = "x-echo-instance";

    static final String USAGE =
            "usage: echo-service --name NAME --port PORT [--host 127.0.0.1] [--tcp-port PORT]";

    private static final int WORKER_THREADS = 64;
    private static final int BACKLOG = 512;
    private static final int CHUNK = 64 * 1024;
    private static final long MAX_DELAY_MS = TimeUnit.MINUTES.toMillis(10);
    private static final byte[] FILLER = new byte[CHUNK];

    static {
        for (int i = 0; i < FILLER.length; i++) {
            FILLER[i] = (i % 64 == 63) ? (byte) '\n' : (byte) ('a' + (i % 64) % 26);
        }
    }

    private final String name;
    private final String host;
    private static final String NODELAY = "sun.net.httpserver.nodelay";
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;

    /**
     * Set by {@code POST /control/fail}: answer 500 to everything but health checks and control.
     */
    private volatile boolean failing;

    private EchoService(
            String name,
            String host,
            HttpServer server,
            ThreadPoolExecutor workers,
            ScheduledExecutorService timer) {
        this.name = name;
        this.host = host;
        this.server = server;
        this.workers = workers;
        this.timer = timer;
    }

    /**
     * Binds and starts an instance. Port 0 picks a free port (see {@link #port()}).
     *
     * @throws BindException if the address is in use or cannot be bound
     * @throws IOException on other I/O failures
     * @throws IllegalArgumentException on an invalid name, host or port
     */
    public static EchoService start(String name, String host, int port) throws IOException {
        validateName(name);
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "'");
        }
        // The JDK server writes a response's head and body apart; with Nagle's algorithm on, the
        // body
        // waits for the client's delayed ACK (~40 ms a request on a keep-alive connection). Read
        // once,
        // when the JDK's server first starts in this JVM.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        HttpServer server = HttpServer.create(address, BACKLOG);
        ThreadPoolExecutor workers =
                new ThreadPoolExecutor(
                        WORKER_THREADS,
                        WORKER_THREADS,
                        30,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        daemonThreads("echo-" + name + "-worker-"));
        workers.allowCoreThreadTimeOut(true);
        ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(
                        daemonThreads("echo-" + name + "-timer-"));
        EchoService service = new EchoService(name, host, server, workers, timer);
        server.createContext("/", service::handle);
        server.setExecutor(workers);
        server.start();
        return service;
    }

    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    /** The bound port (the real one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening, drops open exchanges, and ends the service's threads. */
    public void stop() {
        server.stop(0);
        timer.shutdownNow();
        workers.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    // ------------------------------------------------------------------ request handling

    private void handle(HttpExchange ex) {
        try {
            ex.getResponseHeaders().set(INSTANCE_HEADER, name);
            String method = ex.getRequestMethod();
            String path = rawPath(ex);
            boolean getOrHead = method.equals("GET") || method.equals("HEAD");
            if (getOrHead && path.equals("/healthz")) {
                drain(ex);
                sendText(ex, 200, "ok\n");
            } else if (path.startsWith("/control/")) {
                control(ex, method, path.substring("/control/".length()));
            } else if (failing) {
                drain(ex);
                sendText(ex, 500, "failing\n");
            } else if (getOrHead && path.equals("/download")) {
                download(ex);
            } else if (path.startsWith("/status/")) {
                status(ex, path.substring("/status/".length()));
            } else if (path.startsWith("/delay/")) {
                delay(ex, path.substring("/delay/".length()));
            } else {
                echo(ex, drain(ex));
            }
        } catch (IOException e) {
            ex.close(); // the client went away; nothing to answer
        } catch (RuntimeException e) {
            fail(ex, e);
        }
    }

    private void control(HttpExchange ex, String method, String what) throws IOException {
        drain(ex);
        if (!method.equals("POST") || !(what.equals("fail") || what.equals("recover"))) {
            sendText(ex, 404, "control: POST /control/fail or POST /control/recover\n");
            return;
        }
        failing = what.equals("fail");
        sendText(ex, 200, failing ? "failing\n" : "ok\n");
    }

    private void download(HttpExchange ex) throws IOException {
        drain(ex);
        long bytes = parseBytes(ex.getRequestURI().getRawQuery());
        if (bytes < 0) {
            sendText(ex, 400, "download needs ?bytes=N with N >= 0\n");
            return;
        }
        Headers h = ex.getResponseHeaders();
        h.set("content-type", "application/octet-stream");
        if (isHead(ex)) {
            h.set("content-length", Long.toString(bytes));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, 0); // 0 = chunked
        try (OutputStream out = ex.getResponseBody()) {
            long remaining = bytes;
            while (remaining > 0) {
                int n = (int) Math.min(CHUNK, remaining);
                out.write(FILLER, 0, n);
                remaining -= n;
            }
        }
    }

    private void status(HttpExchange ex, String codeText) throws IOException {
        drain(ex);
        int code = parseIntOrMinus1(codeText);
        if (code < 200 || code > 599) {
            sendText(ex, 400, "status code must be 200..599, got '" + codeText + "'\n");
            return;
        }
        sendText(ex, code, "status " + code + "\n");
    }

    private void delay(HttpExchange ex, String msText) throws IOException {
        long bodyBytes = drain(ex);
        long ms = parseLongOrMinus1(msText);
        if (ms < 0 || ms > MAX_DELAY_MS) {
            sendText(ex, 400, "delay must be 0.." + MAX_DELAY_MS + " ms, got '" + msText + "'\n");
            return;
        }
        if (ms == 0) {
            echo(ex, bodyBytes);
            return;
        }
        // Wait without holding a worker: the timer hands the answer back to the worker pool.
        Runnable answer =
                () -> {
                    try {
                        echo(ex, bodyBytes);
                    } catch (IOException e) {
                        ex.close();
                    } catch (RuntimeException e) {
                        fail(ex, e);
                    }
                };
        try {
            timer.schedule(
                    () -> {
                        try {
                            workers.execute(answer);
                        } catch (RejectedExecutionException e) {
                            ex.close();
                        }
                    },
                    ms,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            ex.close(); // stopping
        }
    }

    private void echo(HttpExchange ex, long bodyBytes) throws IOException {
        StringBuilder json = new StringBuilder(512);
        json.append("{\"instance\": ")
                .append(quote(name))
                .append(", \"method\": ")
                .append(quote(ex.getRequestMethod()))
                .append(", \"path\": ")
                .append(quote(rawPath(ex)))
                .append(", \"query\": ")
                .append(quote(rawQuery(ex)))
                .append(", \"headers\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : lowerCaseHeaders(ex.getRequestHeaders()).entrySet()) {
            if (!first) {
                json.append(", ");
            }
            first = false;
            json.append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        json.append("}, \"body-bytes\": ").append(bodyBytes).append("}\n");
        send(ex, 200, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void fail(HttpExchange ex, RuntimeException e) {
        try {
            sendText(ex, 500, "echo-service error: " + e + "\n");
        } catch (IOException | RuntimeException ignored) {
            ex.close(); // headers may already be out; give up on this exchange
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Reads and discards the request body in a loop, returning how many bytes it had. */
    private static long drain(HttpExchange ex) throws IOException {
        byte[] buf = new byte[8192];
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) != -1) {
                total += n;
            }
        }
        return total;
    }

    private static void sendText(HttpExchange ex, int code, String text) throws IOException {
        send(ex, code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int code, String contentType, byte[] body)
            throws IOException {
        Headers h = ex.getResponseHeaders();
        boolean noBodyAllowed = code == 204 || code == 304;
        if (noBodyAllowed) {
            ex.sendResponseHeaders(code, -1);
            ex.close();
            return;
        }
        h.set("content-type", contentType);
        if (isHead(ex)) {
            h.set("content-length", Integer.toString(body.length));
            ex.sendResponseHeaders(code, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static boolean isHead(HttpExchange ex) {
        return ex.getRequestMethod().equals("HEAD");
    }

    private static String rawPath(HttpExchange ex) {
        String p = ex.getRequestURI().getRawPath();
        return p == null ? "" : p;
    }

    private static String rawQuery(HttpExchange ex) {
        String q = ex.getRequestURI().getRawQuery();
        return q == null ? "" : q;
    }

    /** Header names in lower case, sorted; several values of one name joined by ", ". */
    static Map<String, String> lowerCaseHeaders(Map<String, List<String>> headers) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            String value = String.join(", ", e.getValue());
            out.merge(key, value, (a, b) -> a + ", " + b);
        }
        return out;
    }

    /** The value of {@code bytes=} in a raw query, or -1 if missing or invalid. */
    static long parseBytes(String rawQuery) {
        if (rawQuery == null) {
            return -1;
        }
        for (String part : rawQuery.split("&")) {
            if (part.startsWith("bytes=")) {
                return parseLongOrMinus1(part.substring("bytes=".length()));
            }
        }
        return -1;
    }

    private static long parseLongOrMinus1(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    private static int parseIntOrMinus1(String s) {
        long v = s.length() > 9 ? -1 : parseLongOrMinus1(s);
        return (int) v;
    }

    /**
     * A JSON string literal for {@code s}, with quotes, backslashes and control characters escaped.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                case '\b':
                    b.append("\\b");
                    break;
                case '\f':
                    b.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    private static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0x7e) {
                throw new IllegalArgumentException("name must be printable ASCII: " + quote(name));
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------ command line

    /** Parsed command line. */
    /**
     * {@code tcpPort}: also a plain TCP echo that speaks first ({@link TcpEcho}) on this port; -1:
     * none.
     */
    record Args(String name, String host, int port, boolean help, int tcpPort) {}

    /** A bad command line; the message is one line. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static Args parseArgs(String[] args) throws UsageException {
        String name = null;
        String host = "127.0.0.1";
        String port = null;
        String tcpPort = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return new Args(null, host, 0, true, -1);
            }
            String option = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                option = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!option.equals("--name")
                    && !option.equals("--port")
                    && !option.equals("--host")
                    && !option.equals("--tcp-port")) {
                throw new UsageException("unknown argument '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(option + " needs a value");
                }
                value = args[++i];
            }
            switch (option) {
                case "--name":
                    name = value;
                    break;
                case "--host":
                    host = value;
                    break;
                case "--tcp-port":
                    tcpPort = value;
                    break;
                default:
                    port = value;
                    break;
            }
        }
        if (name == null || name.isEmpty()) {
            throw new UsageException("--name is required");
        }
        try {
            validateName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (host.isBlank()) {
            throw new UsageException("--host must not be empty");
        }
        if (port == null) {
            throw new UsageException("--port is required");
        }
        long p = parseLongOrMinus1(port);
        if (p < 0 || p > 65535) {
            throw new UsageException("--port must be a number 0..65535, got '" + port + "'");
        }
        long tp = -1;
        if (tcpPort != null) {
            tp = parseLongOrMinus1(tcpPort);
            if (tp < 1 || tp > 65535) {
                throw new UsageException(
                        "--tcp-port must be a number 1..65535, got '" + tcpPort + "'");
            }
        }
        return new Args(name, host, (int) p, false, (int) tp);
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    public static void main(String[] argv) {
        Args args;
        try {
            args = parseArgs(argv);
        } catch (UsageException e) {
            System.err.println("echo-service: " + e.getMessage() + " (" + USAGE + ")");
            System.exit(2);
            return;
        }
        if (args.help()) {
            System.out.println(USAGE);
            return;
        }
        EchoService service;
        try {
            service = start(args.name(), args.host(), args.port());
        } catch (IllegalArgumentException e) {
            System.err.println("echo-service: " + e.getMessage() + " (" + USAGE + ")");
            System.exit(2);
            return;
        } catch (BindException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.toLowerCase(Locale.ROOT).contains("in use")) {
                System.err.println(
                        "echo-service: port "
                                + args.port()
                                + " is already in use ("
                                + hostPort(args.host(), args.port())
                                + ")");
            } else {
                System.err.println(
                        "echo-service: cannot bind "
                                + hostPort(args.host(), args.port())
                                + ": "
                                + msg);
            }
            System.exit(1);
            return;
        } catch (IOException e) {
            System.err.println(
                    "echo-service: cannot start on "
                            + hostPort(args.host(), args.port())
                            + ": "
                            + e);
            System.exit(1);
            return;
        }
        if (args.tcpPort() > 0) {
            try {
                TcpEcho.start(args.name(), args.host(), args.tcpPort());
            } catch (IOException e) {
                System.err.println(
                        "echo-service: cannot listen on "
                                + hostPort(args.host(), args.tcpPort())
                                + " (--tcp-port): "
                                + e.getMessage());
                System.exit(1);
                return;
            }
            System.out.println(
                    "echo "
                            + args.name()
                            + " tcp echo listening on "
                            + hostPort(args.host(), args.tcpPort()));
        }
        System.out.println(
                "echo " + args.name() + " listening on " + hostPort(args.host(), service.port()));
        System.out.flush();
        // HttpServer's dispatcher thread keeps the JVM alive until it is killed.
    }
}
