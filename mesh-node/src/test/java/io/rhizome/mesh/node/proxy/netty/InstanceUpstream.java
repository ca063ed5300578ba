package io.rhizome.mesh.node.proxy.netty;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rhizome.mesh.node.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One named instance of a service (e.g. {@code v1}). It answers every request with
 * {@code x-instance: <name>} and a body naming itself, the request line and the request headers it
 * received (one {@code name: value} line each, names lower-cased and sorted). Requests steer it by
 * header, per instance, so one request can make {@code v1} fail while {@code v2} answers:
 * <ul>
 *   <li>{@code x-status-<name>: 503} answers with that status;</li>
 *   <li>{@code x-delay-<name>: 300} answers after that many milliseconds.</li>
 * </ul>
 * Every response also carries {@code x-up-set}, {@code x-up-add} and {@code x-up-drop} (value
 * {@code upstream}) for response-header edits to work on.
 */
final class InstanceUpstream implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    private InstanceUpstream(String name, HttpServer server, ExecutorService executor) {
        this.name = name;
        this.server = server;
        this.executor = executor;
    }

    static InstanceUpstream start(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "instance-" + name);
            t.setDaemon(true);
            return t;
        });
        InstanceUpstream upstream = new InstanceUpstream(name, server, executor);
        server.createContext("/", upstream::handle);
        server.setExecutor(executor);
        server.start();
        return upstream;
    }

    String name() {
        return name;
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    /** Requests of {@code method} received so far, answered or not. */
    int hits(String method) {
        AtomicInteger n = hits.get(method);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            exchange.getRequestBody().readAllBytes();
            hits.computeIfAbsent(exchange.getRequestMethod(), k -> new AtomicInteger()).incrementAndGet();
            String delay = exchange.getRequestHeaders().getFirst("x-delay-" + name);
            if (delay != null) {
                try {
                    Thread.sleep(Long.parseLong(delay));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String status = exchange.getRequestHeaders().getFirst("x-status-" + name);
            StringBuilder text = new StringBuilder("instance ").append(name).append('\n')
                    .append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
            Map<String, List<String>> sorted = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> sorted.put(k.toLowerCase(Locale.ROOT), v));
            sorted.forEach((k, values) -> values.forEach(v -> text.append(k).append(": ").append(v).append('\n')));
            byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("x-instance", name);
            exchange.getResponseHeaders().set("x-up-set", "upstream");
            exchange.getResponseHeaders().set("x-up-add", "upstream");
            exchange.getResponseHeaders().set("x-up-drop", "upstream");
            exchange.sendResponseHeaders(status == null ? 200 : Integer.parseInt(status), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // the proxy gave up on this request (a timeout) and closed the connection
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
