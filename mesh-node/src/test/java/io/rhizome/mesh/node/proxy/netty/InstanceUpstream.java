package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.config.HostPort;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One named instance of a service (e.g. {@code v1}): a keep-alive HTTP/1.1 server, one thread per
 * connection, that writes each response in one piece (the JDK HttpServer writes head and body
 * separately without TCP_NODELAY, which costs a delayed ACK, about 40 ms, per request).
 *
 * <p>It answers every request with {@code x-instance: <name>} and a body naming itself, the request
 * line and the request headers it received (one {@code name: value} line each, names lower-cased
 * and sorted, values in arrival order) and, when there is one, {@code body: <n> bytes}. Requests
 * steer it by header, per instance, so one request can make {@code v1} fail while {@code v2}
 * answers:
 *
 * <ul>
 *   <li>{@code x-status-<name>: 503} answers with that status;
 *   <li>{@code x-delay-<name>: 300} answers after that many milliseconds, unless the mesh closes
 *       the connection first: then it answers nothing and reports the request in {@link
 *       #abandoned()}.
 * </ul>
 *
 * Every response also carries {@code x-up-set}, {@code x-up-add} and {@code x-up-drop} (value
 * {@code upstream}) for response-header edits to work on.
 */
final class InstanceUpstream implements AutoCloseable {
    private final String name;
    private final ServerSocket server;

    /** Each request's method and URI with the names of its headers, in arrival order. */
    private final List<Map.Entry<String, Set<String>>> received = new CopyOnWriteArrayList<>();

    private final BlockingQueue<String> abandoned = new LinkedBlockingQueue<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger inFlight =
            new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger peakInFlight =
            new java.util.concurrent.atomic.AtomicInteger();

    private InstanceUpstream(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
    }

    static InstanceUpstream start(String name) throws IOException {
        InstanceUpstream upstream =
                new InstanceUpstream(
                        name, new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread acceptor = new Thread(upstream::acceptLoop, "instance-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
        return upstream;
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /**
     * The most requests this instance was handling at once (from request line to response written).
     */
    int peakInFlight() {
        return peakInFlight.get();
    }

    /** Every request line's method and URI so far, in arrival order. */
    List<String> received() {
        return received.stream().map(Map.Entry::getKey).toList();
    }

    /**
     * How many requests with this method and URI (e.g. {@code GET /a?b}) arrived so far, answered
     * or not.
     */
    long received(String methodAndUri) {
        return received.stream().filter(r -> r.getKey().equals(methodAndUri)).count();
    }

    /**
     * Requests (method and URI) that arrived with this header (name lower-case), in arrival order.
     */
    List<String> receivedWithHeader(String name) {
        return received.stream()
                .filter(r -> r.getValue().contains(name))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * Requests (method and URI) whose connection the mesh closed while this instance delayed its
     * answer.
     */
    BlockingQueue<String> abandoned() {
        return abandoned;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                Thread t = new Thread(() -> serve(s), "instance-" + name + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                Map<String, List<String>> headers = new TreeMap<>();
                String header;
                while ((header = line(in)) != null && !header.isEmpty()) {
                    int colon = header.indexOf(':');
                    headers.computeIfAbsent(
                                    header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                    k -> new ArrayList<>())
                            .add(header.substring(colon + 1).trim());
                }
                byte[] requestBody = readBody(in, headers);
                String[] parts = requestLine.split(" ");
                String request = parts[0] + " " + parts[1];
                received.add(Map.entry(request, Set.copyOf(headers.keySet())));
                peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                String delay = first(headers, "x-delay-" + name);
                if (delay != null && !await(socket, in, Long.parseLong(delay))) {
                    inFlight.decrementAndGet();
                    abandoned.add(request);
                    return;
                }
                String status = first(headers, "x-status-" + name);
                StringBuilder text =
                        new StringBuilder("instance ")
                                .append(name)
                                .append('\n')
                                .append(parts[0])
                                .append(' ')
                                .append(parts[1])
                                .append('\n');
                headers.forEach(
                        (k, values) ->
                                values.forEach(
                                        v -> text.append(k).append(": ").append(v).append('\n')));
                if (requestBody.length > 0) {
                    text.append("body: ").append(requestBody.length).append(" bytes\n");
                }
                byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
                String head =
                        "HTTP/1.1 "
                                + (status == null ? "200" : status)
                                + " Whatever\r\n"
                                + "Content-Type: text/plain; charset=utf-8\r\n"
                                + "Content-Length: "
                                + body.length
                                + "\r\n"
                                + "x-instance: "
                                + name
                                + "\r\n"
                                + "x-up-set: upstream\r\nx-up-add: upstream\r\nx-up-drop: upstream\r\n\r\n";
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                response.write(head.getBytes(StandardCharsets.ISO_8859_1));
                response.write(body);
                inFlight.decrementAndGet();
                out.write(response.toByteArray());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the proxy gave up on this request (a timeout) and closed the connection, or close()
        } finally {
            connections.remove(socket);
        }
    }

    /**
     * Waits that long unless the mesh closes the connection first (then false). The bytes of a
     * pipelined next request stay unread; if one is already there, the rest of the delay is slept.
     */
    private static boolean await(Socket socket, BufferedInputStream in, long millis)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        socket.setSoTimeout((int) Math.max(1, millis));
        try {
            in.mark(1);
            if (in.read() == -1) {
                return false;
            }
            in.reset();
        } catch (SocketTimeoutException e) {
            return true; // waited the whole delay
        } catch (IOException e) {
            return false; // reset
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(0);
            }
        }
        long left = end - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
        return true;
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    private static byte[] readBody(InputStream in, Map<String, List<String>> headers)
            throws IOException {
        String length = first(headers, "content-length");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (length != null) {
            body.write(in.readNBytes(Integer.parseInt(length)));
        } else if ("chunked".equalsIgnoreCase(first(headers, "transfer-encoding"))) {
            while (true) {
                String size = line(in);
                if (size == null) {
                    throw new java.io.EOFException(
                            "the proxy closed the connection inside a chunked body");
                }
                int semicolon = size.indexOf(';');
                int n =
                        Integer.parseInt(
                                (semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (n == 0) {
                    String trailer;
                    while ((trailer = line(in)) != null && !trailer.isEmpty()) {
                        // trailers are ignored
                    }
                    break;
                }
                body.write(in.readNBytes(n));
                line(in);
            }
        }
        return body.toByteArray();
    }

    /** One line without its CR LF (a lone CR is dropped too); null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c == -1 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : connections) {
            s.close();
        }
    }
}
