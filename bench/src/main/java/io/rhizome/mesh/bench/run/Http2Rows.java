package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP/2 and gRPC rows of {@code bench/run}, in the same run as the HTTP/1.1 ones: h2load with
 * prior knowledge (h2c) through Rhizome, nginx ({@code grpc_pass}, HTTP/2 both sides) and HAProxy
 * ({@code proto h2} both sides), one hop and the mesh path, for a tiny GET to an h2c nginx and for
 * unary gRPC calls to the example greeter (grpc-java). Same CPUs as the HTTP/1.1 rows: every proxy
 * on the proxy CPU, h2load and the upstreams on the load CPU.
 */
final class Http2Rows {
    static final String H2_SERVICE = "bench-h2";
    static final String GRPC_SERVICE = "greeter";
    private static final String GRPC_PATH = "/rhizome.example.Greeter/SayHello";
    private static final int CLIENTS = 4;
    private static final int STREAMS = 8;

    /** One way to reach an upstream: a path through some proxies. */
    record Target(String path, String system, int port, String authority, List<Proc> procs) {}

    private final Path dir;
    final List<Target> h2 = new ArrayList<>();
    final List<Target> grpc = new ArrayList<>();

    /** "path system kind" → requests per second. */
    final Map<String, Double> rps = new LinkedHashMap<>();

    final List<String> lines = new ArrayList<>();
    int h2UpstreamPort;
    int greeterPort;

    Http2Rows(Path dir) {
        this.dir = dir;
    }

    /** The h2c nginx upstream: {@code /} answers a tiny body. */
    static String upstream(Path dir, int port) {
        return """
                worker_processes 1;
                master_process off;
                daemon off;
                pid %1$s/upstream-h2.pid;
                error_log %1$s/upstream-h2-error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/upstream-h2-tmp/body;
                  keepalive_requests 1000000;
                  http2_max_concurrent_streams 1000;
                  server {
                    listen 127.0.0.1:%2$d http2 backlog=4096;
                    location / { return 200 "ok\\n"; }
                  }
                }
                """
                .formatted(dir, port);
    }

    /**
     * nginx as a one-worker HTTP/2 proxy: h2c in, HTTP/2 out ({@code grpc_pass}) to the h2 upstream
     * or the greeter.
     */
    static String nginx(Path dir, String name, int port, int h2Upstream, int greeter) {
        return """
                worker_processes 1;
                master_process off;
                daemon off;
                pid %1$s/%2$s.pid;
                error_log %1$s/%2$s-error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/%2$s-tmp/body;
                  keepalive_requests 1000000;
                  http2_max_concurrent_streams 1000;
                  upstream h2up { server 127.0.0.1:%4$d; keepalive 64; }
                  upstream greeter { server 127.0.0.1:%5$d; keepalive 64; }
                  server {
                    listen 127.0.0.1:%3$d http2 backlog=4096;
                    location /rhizome.example.Greeter/ { grpc_pass grpc://greeter; grpc_set_header X-Forwarded-For $remote_addr; }
                    location / { grpc_pass grpc://h2up; grpc_set_header X-Forwarded-For $remote_addr; }
                  }
                }
                """
                .formatted(dir, name, port, h2Upstream, greeter);
    }

    /** HAProxy with one thread, HTTP/2 on both sides. */
    static String haproxy(int port, int h2Upstream, int greeter) {
        return """
                global
                  nbthread 1
                  maxconn 4096

                defaults
                  mode http
                  timeout connect 5s
                  timeout client 60s
                  timeout server 60s
                  option forwardfor
                  http-reuse always

                frontend in
                  bind 127.0.0.1:%d proto h2
                  use_backend greeter if { path_beg /rhizome.example.Greeter/ }
                  default_backend h2up

                backend h2up
                  server up1 127.0.0.1:%d proto h2

                backend greeter
                  server g1 127.0.0.1:%d proto h2
                """
                .formatted(port, h2Upstream, greeter);
    }

    /** The services node B fronts beside {@code bench}. */
    String rhizomeServices() {
        return "{ name = "
                + H2_SERVICE
                + ", address = \"127.0.0.1:"
                + h2UpstreamPort
                + "\" }, { name = "
                + GRPC_SERVICE
                + ", address = \"127.0.0.1:"
                + greeterPort
                + "\" }";
    }

    /**
     * A path to both upstreams: {@code h2Port} for the tiny GETs, {@code grpcPort} for the gRPC
     * calls (the same for a proxy).
     */
    void add(
            String path,
            String system,
            int h2Port,
            int grpcPort,
            boolean rhizome,
            List<Proc> procs) {
        h2.add(new Target(path, system, h2Port, rhizome ? H2_SERVICE : null, procs));
        grpc.add(new Target(path, system, grpcPort, rhizome ? GRPC_SERVICE : null, procs));
    }

    /**
     * Runs h2load on every target for {@code duration}, tiny GETs then unary gRPC calls; prints and
     * keeps the figures.
     */
    void measure(String loadCpu, Duration duration, Duration warmUp)
            throws IOException, InterruptedException {
        Path body = dir.resolve("grpc-hello.bin");
        Files.write(
                body,
                new byte[] {
                    0, 0, 0, 0, 5, 'b', 'e', 'n', 'c', 'h'
                }); // one uncompressed message "bench"
        DataPlaneBench.say(
                "HTTP/2 and gRPC: h2load -c%d -m%d (h2c, prior knowledge), %d s per run; Rhizome's HTTP/2 code"
                        + " warmed %d s per path and kind first (its JIT has seen only HTTP/1.1 so far)",
                CLIENTS, STREAMS, duration.toSeconds(), warmUp.toSeconds());
        for (Target t : h2) {
            if (t.authority() != null) {
                run(
                        loadCpu,
                        warmUp,
                        t,
                        "h2 tiny",
                        List.of("http://127.0.0.1:" + t.port() + "/"),
                        null,
                        false);
            }
            run(
                    loadCpu,
                    duration,
                    t,
                    "h2 tiny",
                    List.of("http://127.0.0.1:" + t.port() + "/"),
                    null,
                    true);
        }
        for (Target t : grpc) {
            if (t.authority() != null) {
                run(
                        loadCpu,
                        warmUp,
                        t,
                        "grpc unary",
                        List.of("http://127.0.0.1:" + t.port() + GRPC_PATH),
                        body,
                        false);
            }
            run(
                    loadCpu,
                    duration,
                    t,
                    "grpc unary",
                    List.of("http://127.0.0.1:" + t.port() + GRPC_PATH),
                    body,
                    true);
        }
        ratios();
    }

    private void run(
            String loadCpu,
            Duration duration,
            Target t,
            String kind,
            List<String> urls,
            Path body,
            boolean keep)
            throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                "taskset",
                                "-c",
                                loadCpu,
                                "h2load",
                                "-c",
                                Integer.toString(CLIENTS),
                                "-m",
                                Integer.toString(STREAMS),
                                "-D",
                                Long.toString(duration.toSeconds()),
                                "--warm-up-time=1"));
        if (t.authority() != null) {
            cmd.addAll(List.of("-H", ":authority: " + t.authority()));
        }
        if (body != null) {
            cmd.addAll(
                    List.of(
                            "-d",
                            body.toString(),
                            "-H",
                            "content-type: application/grpc",
                            "-H",
                            "te: trailers"));
        }
        cmd.addAll(urls);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new BenchFailure("h2load did not finish: " + String.join(" ", cmd));
        }
        double reqs = number(out, "finished in [^,]+, ([0-9.]+) req/s");
        long failed = (long) number(out, "(\\d+) failed");
        long errored = (long) number(out, "(\\d+) errored");
        long non2xx =
                (long)
                        (number(out, "\\d+ 2xx, (\\d+) 3xx")
                                + number(out, "(\\d+) 4xx")
                                + number(out, "(\\d+) 5xx"));
        if (!keep) {
            return; // a warm-up run
        }
        rps.put(t.path() + " " + t.system() + " " + kind, reqs);
        String line =
                String.format(
                        Locale.ROOT,
                        "%-8s %-8s %-10s %9.0f rps%s",
                        t.path(),
                        t.system(),
                        kind,
                        reqs,
                        failed + errored + non2xx == 0
                                ? ""
                                : "  (failed "
                                        + failed
                                        + ", errored "
                                        + errored
                                        + ", non-2xx "
                                        + non2xx
                                        + ")");
        DataPlaneBench.say("  %s", line);
        lines.add(line);
    }

    /** Rhizome's throughput over the best peer's, per path and kind. */
    private void ratios() {
        for (String kind : List.of("h2 tiny", "grpc unary")) {
            for (String path : List.of("one-hop", "mesh")) {
                Double mine = rps.get(path + " rhizome " + kind);
                double best =
                        Math.max(
                                rps.getOrDefault(path + " nginx " + kind, 0.0),
                                rps.getOrDefault(path + " haproxy " + kind, 0.0));
                if (mine != null && best > 0) {
                    String line =
                            String.format(
                                    Locale.ROOT,
                                    "%-8s %-10s rhizome / best peer: %.2fx",
                                    path,
                                    kind,
                                    mine / best);
                    DataPlaneBench.say("  %s", line);
                    lines.add(line);
                }
            }
        }
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
