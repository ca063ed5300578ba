package io.rhizome.mesh.bench.run;

import io.rhizome.mesh.bench.load.FixedRateLoad;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything measured for one request path of one system (the direct path, Rhizome one hop, nginx
 * mesh path, ...). Filled in as the run goes; every field is NaN until measured.
 */
final class Row {
    /**
     * Latency of one open-loop run at a fixed rate, in ms; added: minus the direct path's. {@code
     * sendLateP99}: the generator's own error (how late the p99 request went out).
     */
    record Latency(
            int rate,
            double p50,
            double p99,
            double p999,
            double max,
            long errors,
            double achievedRate,
            double sendLateP99) {}

    final String path;
    final String system;

    /** Processes doing the proxying (empty for the direct path). */
    final List<Proc> procs;

    /** Body variant ("tiny", "4k") → closed-loop requests per second. */
    final Map<String, Double> rps = new LinkedHashMap<>();

    /** Body variant → wrk's own (closed-loop, not corrected) p99 in ms, for reference. */
    final Map<String, Double> closedP99 = new LinkedHashMap<>();

    /** Proxy CPU seconds per 1000 requests at saturation (wrk, tiny body). */
    double cpuPer1000Saturated = Double.NaN;

    /** Proxy CPU seconds per 1000 requests at the lowest fixed rate (idle work included). */
    double cpuPer1000AtRate = Double.NaN;

    final Map<Integer, Latency> latency = new LinkedHashMap<>();

    /** RSS of each proxy process after all load, MiB. */
    final Map<String, Double> rssMiB = new LinkedHashMap<>();

    /**
     * PSS of each proxy process at the same moment, MiB (shared pages divided among their sharers).
     */
    final Map<String, Double> pssMiB = new LinkedHashMap<>();

    long errors;
    int port;
    String host;

    Row(String path, String system, List<Proc> procs) {
        this.path = path;
        this.system = system;
        this.procs = List.copyOf(procs);
    }

    /** Where clients of this path connect and the Host they send. */
    Row target(int port, String host) {
        this.port = port;
        this.host = host;
        return this;
    }

    String url(String body) {
        return "http://127.0.0.1:" + port + (body.equals("4k") ? "/4k" : "/");
    }

    FixedRateLoad.Target address() {
        return new FixedRateLoad.Target(new InetSocketAddress("127.0.0.1", port), host, "/");
    }

    String key() {
        return path + "/" + system;
    }

    double cpuSeconds() {
        double s = 0;
        for (Proc p : procs) {
            s += p.cpuSeconds();
        }
        return s;
    }

    /** The largest RSS among this path's processes. */
    double maxRss() {
        return rssMiB.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** The largest PSS among this path's processes. */
    double maxPss() {
        return pssMiB.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
