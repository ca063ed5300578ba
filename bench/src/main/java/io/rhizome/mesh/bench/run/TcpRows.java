package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The opaque TCP rows of {@code bench/run}, in the same run as the HTTP ones: {@code
 * redis-benchmark} against a real Redis through Rhizome's upstream listeners (a {@code protocol =
 * tcp} service), nginx ({@code stream} module) and HAProxy ({@code mode tcp}), one hop and the mesh
 * path. Every proxy on the proxy CPU, Redis and redis-benchmark on the load CPU.
 */
final class TcpRows {
    static final String SERVICE = "bench-cache";

    /** nginx's stream module (Debian libnginx-mod-stream). */
    static final String NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

    private static final int CLIENTS = 32;

    record Target(String path, String system, int port, List<Proc> procs) {}

    final List<Target> targets = new ArrayList<>();

    /** "path system" → GET requests per second (the goal's figure; median of the runs). */
    final Map<String, Double> rps = new LinkedHashMap<>();

    /** "path system" → SET requests per second (median of the runs). */
    private final Map<String, Double> setRps = new LinkedHashMap<>();

    final List<String> lines = new ArrayList<>();
    int redisPort;

    /**
     * Node B's upstream listener (the one hop: to its own instance) and node A's (the mesh path).
     */
    int listenerB;

    int listenerA;

    /** nginx as a one-worker TCP proxy ({@code stream}). */
    static String nginx(Path dir, String name, int port, int upstream) {
        return """
                load_module %5$s;
                worker_processes 1;
                master_process off;
                daemon off;
                pid %1$s/%2$s.pid;
                error_log %1$s/%2$s-error.log warn;
                events { worker_connections 8192; }
                stream {
                  server {
                    listen 127.0.0.1:%3$d backlog=4096;
                    proxy_pass 127.0.0.1:%4$d;
                  }
                }
                """
                .formatted(dir, name, port, upstream, NGINX_STREAM_MODULE);
    }

    /** HAProxy with one thread, {@code mode tcp}. */
    static String haproxy(int port, int upstream) {
        return """
                global
                  nbthread 1
                  maxconn 4096

                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 60s
                  timeout server 60s

                frontend in
                  bind 127.0.0.1:%d
                  default_backend cache

                backend cache
                  server c1 127.0.0.1:%d
                """
                .formatted(port, upstream);
    }

    /** The tcp service node B fronts beside {@code bench}. */
    String rhizomeService() {
        return "{ name = "
                + SERVICE
                + ", address = \"127.0.0.1:"
                + redisPort
                + "\", protocol = tcp }";
    }

    /** An upstream listener for the service (a node's {@code rhizome.upstreams}). */
    static String rhizomeUpstream(int port) {
        return "upstreams = [ { service = " + SERVICE + ", listen = \"127.0.0.1:" + port + "\" } ]";
    }

    void add(String path, String system, int port, List<Proc> procs) {
        targets.add(new Target(path, system, port, procs));
    }

    /**
     * Runs redis-benchmark (SET and GET, 32 connections) {@code repeats} times over every target,
     * the targets taking turns (so that a slow minute of the machine hits all of them); keeps the
     * median of each figure, prints every run.
     */
    void measure(String loadCpu, int requests, int repeats)
            throws IOException, InterruptedException {
        DataPlaneBench.say(
                "TCP: redis-benchmark -c %d -n %d -t set,get against one Redis, through each proxy, %d run(s) each"
                        + " (medians kept)",
                CLIENTS, requests, repeats);
        for (Target t : targets) {
            if (t.system().equals("rhizome")) {
                run(
                        loadCpu,
                        t,
                        Math.max(
                                10_000,
                                requests / 4)); // warm-up: its JIT has seen little TCP so far
            }
        }
        Map<String, List<double[]>> runs = new LinkedHashMap<>();
        for (int i = 0; i < repeats; i++) {
            for (Target t : targets) {
                runs.computeIfAbsent(t.path() + " " + t.system(), k -> new ArrayList<>())
                        .add(run(loadCpu, t, requests));
            }
        }
        for (Target t : targets) {
            String key = t.path() + " " + t.system();
            double set = median(runs.get(key), 0);
            double get = median(runs.get(key), 1);
            rps.put(key, get);
            setRps.put(key, set);
            String line =
                    String.format(
                            Locale.ROOT,
                            "%-8s %-8s tcp SET %9.0f rps, GET %9.0f rps (medians of %d)",
                            t.path(),
                            t.system(),
                            set,
                            get,
                            repeats);
            DataPlaneBench.say("  %s", line);
            lines.add(line);
        }
        for (String path : List.of("one-hop", "mesh")) {
            Double mine = rps.get(path + " rhizome");
            double best =
                    Math.max(
                            rps.getOrDefault(path + " nginx", 0.0),
                            rps.getOrDefault(path + " haproxy", 0.0));
            double bestSet =
                    Math.max(
                            setRps.getOrDefault(path + " nginx", 0.0),
                            setRps.getOrDefault(path + " haproxy", 0.0));
            if (mine != null && best > 0 && bestSet > 0) {
                String line =
                        String.format(
                                Locale.ROOT,
                                "%-8s tcp (redis GET) rhizome / best peer: %.2fx (SET: %.2fx)",
                                path,
                                mine / best,
                                setRps.get(path + " rhizome") / bestSet);
                DataPlaneBench.say("  %s", line);
                lines.add(line);
            }
        }
    }

    private static double median(List<double[]> runs, int column) {
        double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }

    /** One redis-benchmark run through {@code t}: {SET, GET} requests per second. */
    private double[] run(String loadCpu, Target t, int requests)
            throws IOException, InterruptedException {
        List<String> cmd =
                List.of(
                        "taskset",
                        "-c",
                        loadCpu,
                        "redis-benchmark",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(t.port()),
                        "-c",
                        Integer.toString(CLIENTS),
                        "-n",
                        Integer.toString(requests),
                        "-t",
                        "set,get",
                        "-q");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).replace('\r', '\n');
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new BenchFailure("redis-benchmark did not finish: " + String.join(" ", cmd));
        }
        double set = number(out, "SET: ([0-9.]+) requests per second");
        double get = number(out, "GET: ([0-9.]+) requests per second");
        String p50 = text(out, "GET: [0-9.]+ requests per second, p50=([0-9.]+ msec)");
        if (p.exitValue() != 0 || get == 0) {
            throw new BenchFailure(
                    "redis-benchmark through "
                            + t.path()
                            + " "
                            + t.system()
                            + " failed: "
                            + out.strip());
        }
        DataPlaneBench.say(
                "  %s",
                String.format(
                        Locale.ROOT,
                        "%-8s %-8s tcp SET %9.0f rps, GET %9.0f rps (GET p50 %s)",
                        t.path(),
                        t.system(),
                        set,
                        get,
                        p50));
        return new double[] {set, get};
    }

    private static double number(String text, String regex) {
        String s = text(text, regex);
        return s.isEmpty() ? 0 : Double.parseDouble(s);
    }

    private static String text(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        String last = "";
        while (m.find()) {
            last = m.group(1); // -q prints progress lines first; the final figure comes last
        }
        return last;
    }
}
