package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The run's tables, ratios Rhizome / best peer and goals: printed, and written as JSON and
 * Markdown.
 */
final class Report {
    static final double GOAL_RSS_MIB = 100;
    static final double GOAL_CPU_VS_NGINX = 1.5;
    static final double GOAL_READY_MS = 1000;
    static final List<String> PEERS = List.of("nginx", "haproxy");

    private final DataPlaneBench run;
    private final double minutes;
    private final List<Map<String, Object>> goals = new ArrayList<>();
    private final Map<String, Object> ratios = new LinkedHashMap<>();

    Report(DataPlaneBench run, double minutes) {
        this.run = run;
        this.minutes = minutes;
        evaluate();
    }

    private Row row(String path, String system) {
        for (Row r : run.rows) {
            if (r.path.equals(path) && r.system.equals(system)) {
                return r;
            }
        }
        throw new IllegalStateException(path + "/" + system);
    }

    /** Latency added over the direct path at the same rate. */
    private double added(Row r, int rate, String which) {
        Row.Latency l = r.latency.get(rate);
        Row.Latency d = row(DataPlaneBench.DIRECT, "direct").latency.get(rate);
        if (l == null || d == null) {
            return Double.NaN;
        }
        return switch (which) {
            case "p50" -> l.p50() - d.p50();
            case "p99" -> l.p99() - d.p99();
            default -> l.p999() - d.p999();
        };
    }

    private void evaluate() {
        for (String path : List.of(DataPlaneBench.ONE_HOP, DataPlaneBench.MESH)) {
            Row rz = row(path, "rhizome");
            Map<String, Object> r = new LinkedHashMap<>();
            for (String body : DataPlaneBench.BODIES) {
                double best =
                        PEERS.stream()
                                .mapToDouble(p -> row(path, p).rps.getOrDefault(body, Double.NaN))
                                .max()
                                .orElse(Double.NaN);
                String bestName =
                        bestPeer(path, p -> -row(path, p).rps.getOrDefault(body, Double.NaN));
                double ratio = rz.rps.getOrDefault(body, Double.NaN) / best;
                r.put("throughput-" + body, ratio);
                goal(
                        path
                                + ": throughput ("
                                + body
                                + " body) ≥ 1.0× best peer ("
                                + bestName
                                + ")",
                        ratio >= 1.0,
                        String.format(
                                Locale.ROOT,
                                "%.2f× (%.0f vs %.0f rps)",
                                ratio,
                                rz.rps.get(body),
                                best));
            }
            for (int rate : run.options.rates()) {
                for (String q : List.of("p50", "p99", "p99.9")) {
                    double mine = added(rz, rate, q);
                    double best =
                            PEERS.stream()
                                    .mapToDouble(p -> added(row(path, p), rate, q))
                                    .min()
                                    .orElse(Double.NaN);
                    r.put(
                            "added-" + q + "-at-" + rate + "-ms",
                            Map.of("rhizome", mine, "best-peer", best));
                    if (q.equals("p99")) {
                        String bestName = bestPeer(path, p -> added(row(path, p), rate, "p99"));
                        // Differences under 0.05 ms are below what this machine resolves between
                        // runs.
                        boolean met = mine <= best + 0.05;
                        goal(
                                path
                                        + ": added p99 at "
                                        + rate
                                        + " rps ≤ best peer's ("
                                        + bestName
                                        + ")",
                                met,
                                String.format(Locale.ROOT, "%+.3f ms vs %+.3f ms", mine, best));
                    }
                }
            }
            double nginxCpu = row(path, "nginx").cpuPer1000Saturated;
            double bestCpu =
                    PEERS.stream()
                            .mapToDouble(p -> row(path, p).cpuPer1000Saturated)
                            .min()
                            .orElse(Double.NaN);
            r.put("cpu-per-request-vs-nginx", rz.cpuPer1000Saturated / nginxCpu);
            r.put("cpu-per-request-vs-best-peer", rz.cpuPer1000Saturated / bestCpu);
            r.put(
                    "cpu-per-request-at-rate-vs-nginx",
                    rz.cpuPer1000AtRate / row(path, "nginx").cpuPer1000AtRate);
            double rssBest =
                    PEERS.stream().mapToDouble(p -> row(path, p).maxRss()).min().orElse(Double.NaN);
            r.put("rss-vs-best-peer", rz.maxRss() / rssBest);
            double cpuRatio = rz.cpuPer1000Saturated / nginxCpu;
            goal(
                    path + ": CPU per request ≤ " + GOAL_CPU_VS_NGINX + "× nginx (saturated)",
                    cpuRatio <= GOAL_CPU_VS_NGINX,
                    String.format(
                            Locale.ROOT,
                            "%.2f× (%.3f vs %.3f CPU s per 1000 requests)",
                            cpuRatio,
                            rz.cpuPer1000Saturated,
                            nginxCpu));
            ratios.put(path, r);
        }
        // The goal is judged on VmRSS, what one node costs alone on a host; PSS (its share when the
        // class-data archives and libjvm are shared with the other JVMs on the host) is shown
        // beside it.
        double rss =
                Math.max(
                        row(DataPlaneBench.ONE_HOP, "rhizome").maxRss(),
                        row(DataPlaneBench.MESH, "rhizome").maxRss());
        double pss =
                Math.max(
                        row(DataPlaneBench.ONE_HOP, "rhizome").maxPss(),
                        row(DataPlaneBench.MESH, "rhizome").maxPss());
        goal(
                "RSS after load ≤ " + (int) GOAL_RSS_MIB + " MiB per node",
                rss <= GOAL_RSS_MIB,
                String.format(
                        Locale.ROOT, "%.1f MiB VmRSS (largest node; its PSS %.1f MiB)", rss, pss));
        Object ready = run.cluster.get("start-to-ready-ms-median");
        if (ready instanceof Double ms) {
            goal(
                    "start to ready ≤ 1 s (joining a running cluster, median)",
                    ms <= GOAL_READY_MS,
                    String.format(Locale.ROOT, "%.0f ms", ms));
        }
    }

    private String bestPeer(
            String path, java.util.function.ToDoubleFunction<String> lowerIsBetter) {
        String best = null;
        double v = Double.POSITIVE_INFINITY;
        for (String p : PEERS) {
            double x = lowerIsBetter.applyAsDouble(p);
            if (x < v) {
                v = x;
                best = p;
            }
        }
        return best == null ? "?" : best;
    }

    private void goal(String name, boolean met, String measured) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("goal", name);
        g.put("met", met);
        g.put("measured", measured);
        goals.add(g);
    }

    // ---------------------------------------------------------------- text

    List<String> throughputTable() {
        List<String> t = new ArrayList<>();
        t.add(
                "| path | proxy | rps tiny | rps 4 KB | CPU s / 1000 req (saturated) | CPU s / 1000 req (at "
                        + lowestRate()
                        + " rps) | RSS after load, MiB | PSS after load, MiB |");
        t.add("|---|---|---:|---:|---:|---:|---|---|");
        for (Row r : run.rows) {
            StringBuilder rss = new StringBuilder();
            r.rssMiB.forEach(
                    (p, v) ->
                            rss.append(rss.length() == 0 ? "" : ", ")
                                    .append(String.format(Locale.ROOT, "%s %.1f", p, v)));
            StringBuilder pss = new StringBuilder();
            r.pssMiB.forEach(
                    (p, v) ->
                            pss.append(pss.length() == 0 ? "" : ", ")
                                    .append(String.format(Locale.ROOT, "%s %.1f", p, v)));
            t.add(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %.0f | %.0f | %s | %s | %s | %s |",
                            r.path,
                            r.system,
                            r.rps.get("tiny"),
                            r.rps.get("4k"),
                            num(r.cpuPer1000Saturated, "%.3f"),
                            num(r.cpuPer1000AtRate, "%.3f"),
                            rss.length() == 0 ? "—" : rss,
                            pss.length() == 0 ? "—" : pss));
        }
        return t;
    }

    List<String> latencyTable() {
        List<String> t = new ArrayList<>();
        StringBuilder head = new StringBuilder("| path | proxy |");
        StringBuilder line = new StringBuilder("|---|---|");
        for (int rate : run.options.rates()) {
            head.append(" p50 @")
                    .append(rate)
                    .append(" | p99 @")
                    .append(rate)
                    .append(" | p99.9 @")
                    .append(rate)
                    .append(" |");
            line.append("---:|---:|---:|");
        }
        t.add(head.toString());
        t.add(line.toString());
        for (Row r : run.rows) {
            StringBuilder b = new StringBuilder("| " + r.path + " | " + r.system + " |");
            for (int rate : run.options.rates()) {
                Row.Latency l = r.latency.get(rate);
                if (r.path.equals(DataPlaneBench.DIRECT)) {
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    " %.3f | %.3f | %.3f |",
                                    l.p50(),
                                    l.p99(),
                                    l.p999()));
                } else {
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    " %+.3f | %+.3f | %+.3f |",
                                    added(r, rate, "p50"),
                                    added(r, rate, "p99"),
                                    added(r, rate, "p99.9")));
                }
            }
            t.add(b.toString());
        }
        StringBuilder floor =
                new StringBuilder(
                        "load generator's own error (p99 of how late requests went out, worst path):");
        for (int rate : run.options.rates()) {
            double worst =
                    run.rows.stream()
                            .mapToDouble(r -> r.latency.get(rate).sendLateP99())
                            .max()
                            .orElse(Double.NaN);
            floor.append(String.format(Locale.ROOT, " %.3f ms @%d;", worst, rate));
        }
        t.add("");
        t.add(floor.substring(0, floor.length() - 1));
        return t;
    }

    List<String> ratioLines() {
        List<String> out = new ArrayList<>();
        ratios.forEach(
                (path, v) -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) v;
                    StringBuilder b =
                            new StringBuilder(
                                    String.format(
                                            Locale.ROOT,
                                            "%-8s throughput %.2f× (tiny), %.2f× (4 KB)",
                                            path,
                                            (Double) m.get("throughput-tiny"),
                                            (Double) m.get("throughput-4k")));
                    for (int rate : run.options.rates()) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> p99 =
                                (Map<String, Object>) m.get("added-p99-at-" + rate + "-ms");
                        b.append(
                                String.format(
                                        Locale.ROOT,
                                        "; added p99 @%d %+.3f vs %+.3f ms",
                                        rate,
                                        (Double) p99.get("rhizome"),
                                        (Double) p99.get("best-peer")));
                    }
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    "; CPU/req %.2f× nginx, %.2f× best peer; RSS %.1f× best peer",
                                    (Double) m.get("cpu-per-request-vs-nginx"),
                                    (Double) m.get("cpu-per-request-vs-best-peer"),
                                    (Double) m.get("rss-vs-best-peer")));
                    out.add(b.toString());
                });
        return out;
    }

    List<String> clusterLines() {
        List<String> out = new ArrayList<>();
        Map<String, Object> c = run.cluster;
        if (c.containsKey("start-to-ready-ms")) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "start to ready (a node joining a running cluster of 2, pinned to CPU %s): median %.0f ms, runs %s",
                            run.options.proxyCpu(),
                            (Double) c.get("start-to-ready-ms-median"),
                            msList(c.get("start-to-ready-ms"))));
        }
        if (c.containsKey("drain-excluded-ms")) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "drain after kill -9: the endpoint left load balancing on the calling node after %.0f ms"
                                    + " (%s); member unreachable after %.0f ms; under %s rps meanwhile: %s errors, p99 %.1f ms, max %.1f ms",
                            (Double) c.get("drain-excluded-ms"),
                            c.get("drain-excluded-reason"),
                            (Double) c.get("drain-member-unreachable-ms"),
                            c.get("drain-load-rps"),
                            c.get("drain-load-errors"),
                            (Double) c.get("drain-load-p99-ms"),
                            (Double) c.get("drain-load-max-ms")));
        }
        if (c.containsKey("policy-propagation-ms")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) c.get("policy-propagation-ms");
            out.add(
                    String.format(
                            Locale.ROOT,
                            "policy propagation across 5 nodes (%s rounds): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f ms",
                            c.get("policy-propagation-rounds"),
                            p.get("p50"),
                            p.get("p90"),
                            p.get("p99"),
                            p.get("max")));
        } else {
            out.add("policy propagation: not measured in this run (--skip-cluster)");
        }
        return out;
    }

    List<String> goalLines() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> g : goals) {
            out.add(
                    ((Boolean) g.get("met") ? "met      " : "NOT met  ")
                            + g.get("goal")
                            + ": "
                            + g.get("measured"));
        }
        return out;
    }

    private int lowestRate() {
        return run.options.rates().stream().mapToInt(Integer::intValue).min().orElse(0);
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, format, v);
    }

    private static String msList(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(String.format(Locale.ROOT, "%.0f", (Double) o));
        }
        return String.join(", ", out) + " ms";
    }

    void print() {
        System.out.println();
        System.out.println(title());
        System.out.println(machine());
        System.out.println();
        System.out.println(
                "Throughput (closed loop, wrk -c" + run.options.connections() + ") and resources");
        throughputTable().forEach(System.out::println);
        System.out.println();
        System.out.println(
                "Latency, open loop, CO-corrected: direct path absolute, proxies added over it (ms)");
        latencyTable().forEach(System.out::println);
        System.out.println();
        System.out.println("Rhizome / best of nginx and HAProxy:");
        ratioLines().forEach(l -> System.out.println("  " + l));
        System.out.println();
        clusterLines().forEach(System.out::println);
        System.out.println();
        System.out.println("Goals:");
        goalLines().forEach(l -> System.out.println("  " + l));
        if (!run.notes.isEmpty()) {
            System.out.println();
            System.out.println("Notes:");
            run.notes.forEach(n -> System.out.println("  " + n));
        }
    }

    private String title() {
        return "Rhizome data-plane benchmark ("
                + run.options.mode()
                + ", variant "
                + run.options.variant().id()
                + "): "
                + String.format(Locale.ROOT, "%.1f min", minutes);
    }

    private String machine() {
        return "machine: nproc "
                + command("nproc", "--all")
                + ", "
                + command("uname", "-r")
                + ", "
                + cpuModel()
                + "; "
                + versions()
                + "; commit "
                + commit();
    }

    private String versions() {
        return "java "
                + System.getProperty("java.version")
                + ", "
                + firstLine(command("nginx", "-v"))
                + ", "
                + firstLine(command("haproxy", "-v")).replaceAll(" - https.*", "")
                + ", "
                + firstLine(command("wrk", "-v")).replaceAll(" \\[.*", "");
    }

    private String commit() {
        String c = command("git", "-C", run.root.toString(), "rev-parse", "--short", "HEAD");
        String status =
                command(
                        "git",
                        "-C",
                        run.root.toString(),
                        "status",
                        "--porcelain",
                        "--untracked-files=no");
        return c
                + (status.isEmpty() || status.equals("unknown")
                        ? ""
                        : " (with uncommitted changes)");
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // below
        }
        return "cpu unknown";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String command(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    // ---------------------------------------------------------------- files

    void write() throws IOException {
        Path results = run.root.resolve("bench/results");
        Files.createDirectories(results);
        String stamp =
                run.startedLocal.format(
                        DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm", Locale.ROOT));
        Path md = results.resolve(stamp + ".md");
        Files.writeString(md, markdown());
        Files.writeString(results.resolve("latest.json"), Json.write(json()));
        System.out.println();
        System.out.println("wrote " + run.root.relativize(md) + " and bench/results/latest.json");
    }

    private String markdown() {
        StringBuilder b = new StringBuilder("# " + title() + "\n\n");
        b.append("- started: ").append(run.startedAt).append('\n');
        b.append("- ").append(machine()).append('\n');
        b.append("- variant: `")
                .append(run.options.variant().id())
                .append("` (")
                .append(run.options.variant().description())
                .append(")\n");
        b.append("- layout: every proxy process pinned to CPU ")
                .append(run.options.proxyCpu())
                .append(" (taskset); wrk, the open-loop generator and the nginx upstream on CPU ")
                .append(run.options.loadCpu())
                .append(
                        "; nginx with 1 worker, HAProxy with 1 thread, Rhizome with its launcher's defaults")
                .append(
                        run.options.nodeJavaOpts().isBlank()
                                ? ""
                                : " plus JAVA_OPTS `" + run.options.nodeJavaOpts() + "`")
                .append('\n');
        b.append(
                "- one hop: client → proxy → upstream (Rhizome: the outbound port of the node that fronts the service, `Host: bench`,"
                        + " the local shortcut); mesh: client → proxy A → proxy B → upstream (Rhizome: node A's outbound → node B's inbound)\n");
        b.append("- throughput: wrk -t1 -c")
                .append(run.options.connections())
                .append(", ")
                .append(run.options.throughput().toSeconds())
                .append(" s × ")
                .append(run.options.throughputRepeats())
                .append(" (median); latency: open loop at ")
                .append(run.options.rates())
                .append(" rps over ")
                .append(run.options.connections())
                .append(" connections, ")
                .append(run.options.latency().toSeconds())
                .append(" s recorded after ")
                .append(run.options.latencyWarmup().toSeconds())
                .append(
                        " s, each latency from when the request was due (coordinated omission corrected), HdrHistogram\n");
        b.append(
                "- CPU: user+system seconds of the proxy processes (/proc/PID/stat) per 1000 requests; RSS: VmRSS after all load"
                        + " (every resident page, shared or not: what a node costs alone on a host; the goal is judged on it); PSS:"
                        + " Pss from /proc/PID/smaps_rollup at the same moment (a page shared with N processes counts 1/N; here the"
                        + " Rhizome nodes share their class-data archive, and every JVM on the host libjvm and the JDK's archive)\n\n");
        b.append("## Throughput and resources\n\n");
        throughputTable().forEach(l -> b.append(l).append('\n'));
        b.append("\n## Latency (ms): the direct path absolute, proxies added over it\n\n");
        latencyTable().forEach(l -> b.append(l).append('\n'));
        b.append("\n## Rhizome / best of nginx and HAProxy\n\n");
        ratioLines().forEach(l -> b.append("- ").append(l).append('\n'));
        b.append("\n## Cluster\n\n");
        clusterLines().forEach(l -> b.append("- ").append(l).append('\n'));
        b.append("\n## Goals\n\n");
        goalLines().forEach(l -> b.append("- ").append(l).append('\n'));
        if (!run.notes.isEmpty()) {
            b.append("\n## Notes\n\n");
            run.notes.forEach(n -> b.append("- ").append(n).append('\n'));
        }
        return b.toString();
    }

    private Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("benchmark", "data-plane");
        j.put("mode", run.options.mode());
        j.put("variant", run.options.variant().id());
        j.put("started-at", run.startedAt.toString());
        j.put("minutes", minutes);
        j.put(
                "machine",
                Map.of(
                        "nproc",
                        command("nproc", "--all"),
                        "kernel",
                        command("uname", "-r"),
                        "cpu",
                        cpuModel(),
                        "versions",
                        versions()));
        j.put("commit", commit());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("proxy-cpu", run.options.proxyCpu());
        s.put("load-cpu", run.options.loadCpu());
        s.put("connections", run.options.connections());
        s.put("throughput-seconds", run.options.throughput().toSeconds());
        s.put("throughput-repeats", run.options.throughputRepeats());
        s.put("latency-seconds", run.options.latency().toSeconds());
        s.put("rates", run.options.rates());
        s.put("node-java-opts", run.options.nodeJavaOpts());
        j.put("settings", s);
        List<Object> paths = new ArrayList<>();
        for (Row r : run.rows) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("path", r.path);
            p.put("proxy", r.system);
            p.put("rps", r.rps);
            p.put("closed-loop-p99-ms", r.closedP99);
            p.put("cpu-s-per-1000-saturated", r.cpuPer1000Saturated);
            p.put("cpu-s-per-1000-at-" + lowestRate() + "-rps", r.cpuPer1000AtRate);
            p.put("rss-mib", r.rssMiB);
            p.put("pss-mib", r.pssMiB);
            Map<String, Object> lat = new LinkedHashMap<>();
            Map<String, Object> add = new LinkedHashMap<>();
            r.latency.forEach(
                    (rate, l) -> {
                        lat.put(
                                String.valueOf(rate),
                                Map.of(
                                        "p50",
                                        l.p50(),
                                        "p99",
                                        l.p99(),
                                        "p99.9",
                                        l.p999(),
                                        "max",
                                        l.max(),
                                        "errors",
                                        l.errors(),
                                        "achieved-rps",
                                        l.achievedRate(),
                                        "generator-send-late-p99",
                                        l.sendLateP99()));
                        if (!r.path.equals(DataPlaneBench.DIRECT)) {
                            add.put(
                                    String.valueOf(rate),
                                    Map.of(
                                            "p50",
                                            added(r, rate, "p50"),
                                            "p99",
                                            added(r, rate, "p99"),
                                            "p99.9",
                                            added(r, rate, "p99.9")));
                        }
                    });
            p.put("latency-ms", lat);
            if (!add.isEmpty()) {
                p.put("added-latency-ms", add);
            }
            p.put("errors", r.errors);
            paths.add(p);
        }
        j.put("paths", paths);
        j.put("ratios-rhizome-to-best-peer", ratios);
        j.put("cluster", run.cluster);
        j.put("goals", goals);
        j.put("notes", run.notes);
        return j;
    }
}
