package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code meshctl top} shows: tapped requests counted per (service, method, path) since it
 * started, busiest first. Latency percentiles come from the last {@link #SAMPLES} requests of each
 * path. A connection carried as bytes (a TCP service, a WebSocket after its handshake, a CONNECT
 * tunnel; flag {@code tunnel}) is one row per service and kind ({@code TCP}, {@code UPGRADE},
 * {@code CONNECT}) with path {@value #CONNECTIONS}: its rate is connections per second, its
 * percentiles connection durations, and it failed when it has an error (it has no status).
 * Thread-safe: the tap reader adds, the screen renders.
 */
final class TopView {
    static final int SAMPLES = 1000;

    /** Paths tracked at most; the rest are counted under {@code (other)}. */
    static final int MAX_PATHS = 1000;

    /** The path shown for connections carried as bytes. */
    static final String CONNECTIONS = "(connections)";

    private static final class PathStats {
        final String service;
        final String method;
        final String path;
        long requests;
        long failures;
        final double[] latencies = new double[SAMPLES];

        PathStats(String service, String method, String path) {
            this.service = service;
            this.method = method;
            this.path = path;
        }
    }

    private final Map<String, PathStats> paths = new HashMap<>();
    private final long startNanos;

    TopView(long startNanos) {
        this.startNanos = startNanos;
    }

    synchronized void add(ConfigObject request) {
        String service = Json.string(request, "service");
        String method = Json.string(request, "method");
        String flags = Json.string(request, "flags");
        boolean connection =
                flags != null && java.util.Arrays.asList(flags.split(",")).contains("tunnel");
        String path = connection ? CONNECTIONS : Json.string(request, "path");
        String key = service + ' ' + method + ' ' + path;
        PathStats s = paths.get(key);
        if (s == null) {
            if (paths.size() >= MAX_PATHS) {
                key = service + " * (other)";
                s = paths.computeIfAbsent(key, k -> new PathStats(service, "*", "(other)"));
            } else {
                s = new PathStats(service, method, path);
                paths.put(key, s);
            }
        }
        long status = Json.number(request, "status", 0);
        s.latencies[(int) (s.requests % SAMPLES)] = StatCommand.decimal(request, "latency-ms");
        s.requests++;
        String error = Json.string(request, "error");
        boolean failed =
                connection ? error != null && !error.isEmpty() : status >= 500 || status < 100;
        if (failed) {
            s.failures++;
        }
    }

    /** The busiest {@code rows} paths as a table. */
    synchronized Table table(int rows, long nowNanos) {
        double seconds = Math.max(0.001, (nowNanos - startNanos) / 1e9);
        List<PathStats> all = new ArrayList<>(paths.values());
        all.sort(
                Comparator.comparingLong((PathStats p) -> -p.requests)
                        .thenComparing(p -> p.service)
                        .thenComparing(p -> p.path));
        Table table =
                Table.withHeaders(
                        "SERVICE", "METHOD", "PATH", "REQUESTS", "RPS", "SUCCESS", "P50", "P99");
        for (PathStats p : all.subList(0, Math.min(rows, all.size()))) {
            double[] sample = Arrays.copyOf(p.latencies, (int) Math.min(p.requests, SAMPLES));
            Arrays.sort(sample);
            table.row(
                    p.service,
                    p.method,
                    p.path,
                    p.requests,
                    String.format(Locale.ROOT, "%.1f", p.requests / seconds),
                    StatCommand.percent((double) (p.requests - p.failures) / p.requests),
                    StatCommand.millis(quantile(sample, 0.50)),
                    StatCommand.millis(quantile(sample, 0.99)));
        }
        return table;
    }

    synchronized int size() {
        return paths.size();
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
