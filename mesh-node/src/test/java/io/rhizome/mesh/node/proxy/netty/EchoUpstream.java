package io.rhizome.mesh.node.proxy.netty;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rhizome.mesh.node.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The application behind the proxy in data-plane tests, on an ephemeral loopback port.
 *
 * <ul>
 *   <li>{@code /headers}: answers {@code METHOD URI} then every request header as {@code name:
 *       value}, lower-case
 *   <li>{@code /upload}: reads the body, answers {@code <length> <sha-256>}
 *   <li>{@code /download?bytes=N}: answers N bytes of {@link #pattern} with chunked framing
 *   <li>{@code /hop-response}: answers 200 with connection-specific response headers the proxy must
 *       drop
 * </ul>
 */
final class EchoUpstream implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private EchoUpstream(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static EchoUpstream start() throws IOException {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/headers", EchoUpstream::headers);
        server.createContext("/upload", EchoUpstream::upload);
        server.createContext("/download", EchoUpstream::download);
        server.createContext("/hop-response", EchoUpstream::hopResponse);
        server.start();
        return new EchoUpstream(server, executor);
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    /**
     * Byte {@code i} of every download: a pattern that shows a lost, duplicated or reordered chunk.
     */
    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void headers(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        StringBuilder text =
                new StringBuilder()
                        .append(exchange.getRequestMethod())
                        .append(' ')
                        .append(exchange.getRequestURI())
                        .append('\n');
        Map<String, List<String>> sorted = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> sorted.put(k.toLowerCase(Locale.ROOT), v));
        sorted.forEach(
                (k, values) ->
                        values.forEach(v -> text.append(k).append(": ").append(v).append('\n')));
        respond(exchange, 200, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void upload(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        respond(exchange, 200, (body.length + " " + sha256(body)).getBytes(StandardCharsets.UTF_8));
    }

    private static void download(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        URI uri = exchange.getRequestURI();
        int n = Integer.parseInt(uri.getQuery().substring("bytes=".length()));
        byte[] body = pattern(n);
        exchange.sendResponseHeaders(200, 0); // 0: chunked
        try (OutputStream out = exchange.getResponseBody()) {
            for (int off = 0; off < n; off += 100_000) {
                out.write(body, off, Math.min(100_000, n - off));
            }
        }
    }

    private static void hopResponse(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Connection", "X-Upstream-Hop");
        exchange.getResponseHeaders().add("X-Upstream-Hop", "1");
        exchange.getResponseHeaders().add("Keep-Alive", "timeout=99");
        exchange.getResponseHeaders().add("Proxy-Authenticate", "Basic realm=\"upstream\"");
        exchange.getResponseHeaders().add("X-End-To-End", "kept");
        respond(exchange, 200, "ok".getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
