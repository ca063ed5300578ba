package io.rhizome.mesh.bench.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.bench.load.FixedRateLoad;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The data-plane benchmark ({@code bench/run}): Rhizome beside nginx and HAProxy in one run, on the
 * one-hop path (client → proxy → upstream) and the mesh path (client → proxy A → proxy B →
 * upstream), every proxy process pinned to one CPU and the load generators and the nginx upstream
 * to the other. Measures closed-loop throughput (wrk), open-loop latency at fixed rates with
 * coordinated-omission correction ({@link FixedRateLoad}), CPU per request and RSS from /proc, a
 * node's start-to-ready time when joining a running cluster, the drain of a killed node's endpoint,
 * and policy propagation across five nodes ({@code ConvergenceBench}). Nothing is cached: every
 * figure of the report comes from this run.
 */
public final class DataPlaneBench {
    static final String DIRECT = "direct";
    static final String ONE_HOP = "one-hop";
    static final String MESH = "mesh";
    static final List<String> BODIES = List.of("tiny", "4k");

    /** Warm-up of Rhizome's mesh path per body under {@code --variant tls}, at least. */
    static final Duration TLS_WARMUP = Duration.ofSeconds(20);

    final Options options;
    final Path root;
    final Path dir;
    final List<Proc> procs = new ArrayList<>();
    final List<Row> rows = new ArrayList<>();
    final Map<String, Object> cluster = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    final Instant startedAt = Instant.now();
    final LocalDateTime startedLocal = LocalDateTime.now();
    MeshNodes nodes;
    int upstreamPort;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();

    DataPlaneBench(Options options, Path root, Path dir) {
        this.options = options;
        this.root = root;
        this.dir = dir;
        this.http2 = new Http2Rows(dir);
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/run: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("rhizome.root", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("rhizome-bench-run-");
        DataPlaneBench bench = new DataPlaneBench(options, root, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stopAll, "bench-stop"));
        int exit = 0;
        try {
            bench.run();
        } catch (BenchFailure e) {
            System.err.println("bench/run: " + e.getMessage());
            exit = 1;
        } catch (Exception e) {
            System.err.println("bench/run: failed");
            e.printStackTrace();
            exit = 1;
        } finally {
            bench.stopAll();
        }
        if (exit != 0) {
            System.err.println("bench/run: configs and logs kept in " + dir);
        } else {
            deleteTree(dir);
        }
        System.exit(exit);
    }

    void run() throws Exception {
        long t0 = System.nanoTime();
        say(
                "bench/run %s, variant %s; proxies on CPU %s, load generators and upstream on CPU %s; work dir %s",
                options.mode(), options.variant().id(), options.proxyCpu(), options.loadCpu(), dir);
        startProcesses();
        sanityCheck();
        warmUp();
        throughput();
        latency();
        http2.measure(
                options.loadCpu(),
                options.throughput(),
                options.quick() ? Duration.ofSeconds(15) : Duration.ofSeconds(30));
        http2.lines.forEach(
                l ->
                        notes.add(
                                "HTTP/2 and gRPC (h2load -c4 -m8): "
                                        + l.strip().replaceAll("\\s+", " ")));
        tcp.measure(options.loadCpu(), options.quick() ? 50_000 : 100_000, options.quick() ? 1 : 3);
        tcp.lines.forEach(
                l ->
                        notes.add(
                                "TCP (redis-benchmark -c32 -t set,get): "
                                        + l.strip().replaceAll("\\s+", " ")));
        for (Row r : rows) {
            for (Proc p : r.procs) {
                r.rssMiB.put(p.name(), p.rssMiB());
                r.pssMiB.put(p.name(), p.pssMiB());
            }
        }
        joinAndDrain();
        stopAll();
        if (!options.skipCluster()) {
            convergence();
        }
        double minutes = (System.nanoTime() - t0) / 6e10;
        Report report = new Report(this, minutes);
        report.print();
        report.write();
    }

    // ---------------------------------------------------------------- processes

    private void startProcesses() throws Exception {
        int[] p = Ports.free(7);
        upstreamPort = p[0];
        String proxy = options.proxyCpu();
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/4k"), "x".repeat(PeerConfigs.LARGE_BODY - 1) + "\n");
        boolean tls = options.variant().tls();
        Pki pki =
                tls
                        ? Pki.mint(root, dir, List.of(MeshNodes.SERVICE, MeshNodes.CLIENT_IDENTITY))
                        : null;
        // Under TLS, B keeps its plaintext listener for the one-hop row and adds a TLS one for A.
        int nginxBTls = tls ? p[5] : -1;
        int haproxyBTls = tls ? p[6] : -1;
        Proc upstream =
                nginx("upstream", options.loadCpu(), PeerConfigs.upstream(dir, upstreamPort));
        Proc nginx1 =
                nginx(
                        "nginx-b",
                        proxy,
                        PeerConfigs.nginxProxy(
                                dir, "nginx-b", p[1], upstreamPort, pki, nginxBTls, false));
        Proc nginx2 =
                nginx(
                        "nginx-a",
                        proxy,
                        PeerConfigs.nginxProxy(
                                dir, "nginx-a", p[2], tls ? nginxBTls : p[1], pki, -1, tls));
        Proc haproxy1 =
                haproxy(
                        "haproxy-b",
                        proxy,
                        PeerConfigs.haproxy(p[3], upstreamPort, pki, haproxyBTls, false));
        Proc haproxy2 =
                haproxy(
                        "haproxy-a",
                        proxy,
                        PeerConfigs.haproxy(p[4], tls ? haproxyBTls : p[3], pki, -1, tls));

        nodes = new MeshNodes(root, dir, options.variant(), options.nodeJavaOpts(), pki);
        // B fronts the service (its instance is the upstream); A fronts nothing: A's outbound →
        // B's inbound → upstream is the mesh path, B's outbound (the local shortcut) the one hop.
        int[] q = Ports.free(6);
        http2.h2UpstreamPort = q[0];
        http2.greeterPort = q[1];
        Files.createDirectories(dir.resolve("upstream-h2-tmp"));
        nginx("upstream-h2", options.loadCpu(), Http2Rows.upstream(dir, q[0]));
        Proc greeter =
                Proc.start(
                        "greeter",
                        options.loadCpu(),
                        List.of(
                                root.resolve("bin/greeter-service").toString(),
                                "--name",
                                "greeter",
                                "--port",
                                Integer.toString(q[1])),
                        dir.resolve("greeter.log"),
                        Map.of(),
                        dir);
        procs.add(greeter);
        awaitListening(greeter, "listen 127.0.0.1:" + q[1]);
        Proc nginxH2b =
                nginx("nginx-h2-b", proxy, Http2Rows.nginx(dir, "nginx-h2-b", q[2], q[0], q[1]));
        Proc nginxH2a =
                nginx("nginx-h2-a", proxy, Http2Rows.nginx(dir, "nginx-h2-a", q[3], q[2], q[2]));
        Proc haproxyH2b = haproxy("haproxy-h2-b", proxy, Http2Rows.haproxy(q[4], q[0], q[1]));
        Proc haproxyH2a = haproxy("haproxy-h2-a", proxy, Http2Rows.haproxy(q[5], q[4], q[4]));
        int[] t = Ports.free(7);
        tcp.redisPort = t[0];
        tcp.listenerB = t[1];
        tcp.listenerA = t[2];
        Proc redis =
                Proc.start(
                        "redis",
                        options.loadCpu(),
                        List.of(
                                "redis-server",
                                "--port",
                                Integer.toString(t[0]),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--maxclients",
                                "1000"),
                        dir.resolve("redis.log"),
                        Map.of(),
                        dir);
        procs.add(redis);
        awaitListening(redis, "listen 127.0.0.1:" + t[0]);
        Proc nginxTcpB = nginx("nginx-tcp-b", proxy, TcpRows.nginx(dir, "nginx-tcp-b", t[3], t[0]));
        Proc nginxTcpA = nginx("nginx-tcp-a", proxy, TcpRows.nginx(dir, "nginx-tcp-a", t[4], t[3]));
        Proc haproxyTcpB = haproxy("haproxy-tcp-b", proxy, TcpRows.haproxy(t[5], t[0]));
        Proc haproxyTcpA = haproxy("haproxy-tcp-a", proxy, TcpRows.haproxy(t[6], t[5]));
        MeshNodes.Node b =
                nodes.start(
                        "rhizome-b",
                        proxy,
                        List.of(),
                        "127.0.0.1:" + upstreamPort,
                        http2.rhizomeServices() + ", " + tcp.rhizomeService(),
                        TcpRows.rhizomeUpstream(t[1]));
        MeshNodes.Node a =
                nodes.start(
                        "rhizome-a",
                        proxy,
                        List.of(b.clusterPort()),
                        null,
                        "",
                        TcpRows.rhizomeUpstream(t[2]));
        procs.add(b.proc());
        procs.add(a.proc());
        nodes.awaitReady(b, Duration.ofSeconds(60));
        nodes.awaitReady(a, Duration.ofSeconds(60));
        awaitRoutable(a, Duration.ofSeconds(60));
        String resources = options.variant().resources();
        if (resources != null) {
            int count = (int) resources.lines().filter(l -> l.contains("kind = ")).count();
            String applied =
                    nodes.apply(b, List.of(a, b), resources, count, Duration.ofSeconds(60));
            say("applied the variant's resources (converged on both nodes): %s", applied);
            notes.add(
                    "resources applied to the Rhizome nodes before any measurement (`POST /v1/apply`, then `GET /v1/check`"
                            + " until converged): `"
                            + resources.strip().replaceAll("\\s+", " ")
                            + "`; answer: "
                            + applied);
        }

        rows.add(new Row(DIRECT, "direct", List.of()).target(upstreamPort, "bench"));
        rows.add(
                new Row(ONE_HOP, "rhizome", List.of(b.proc()))
                        .target(b.outboundPort(), MeshNodes.SERVICE));
        rows.add(new Row(ONE_HOP, "nginx", List.of(nginx1)).target(p[1], "bench"));
        rows.add(new Row(ONE_HOP, "haproxy", List.of(haproxy1)).target(p[3], "bench"));
        rows.add(
                new Row(MESH, "rhizome", List.of(a.proc(), b.proc()))
                        .target(a.outboundPort(), MeshNodes.SERVICE));
        rows.add(new Row(MESH, "nginx", List.of(nginx2, nginx1)).target(p[2], "bench"));
        rows.add(new Row(MESH, "haproxy", List.of(haproxy2, haproxy1)).target(p[4], "bench"));
        http2.add(DIRECT, "direct", q[0], q[1], false, List.of());
        http2.add(ONE_HOP, "rhizome", b.outboundPort(), b.outboundPort(), true, List.of(b.proc()));
        http2.add(ONE_HOP, "nginx", q[2], q[2], false, List.of(nginxH2b));
        http2.add(ONE_HOP, "haproxy", q[4], q[4], false, List.of(haproxyH2b));
        http2.add(
                MESH,
                "rhizome",
                a.outboundPort(),
                a.outboundPort(),
                true,
                List.of(a.proc(), b.proc()));
        http2.add(MESH, "nginx", q[3], q[3], false, List.of(nginxH2a, nginxH2b));
        http2.add(MESH, "haproxy", q[5], q[5], false, List.of(haproxyH2a, haproxyH2b));
        tcp.add(DIRECT, "direct", t[0], List.of());
        tcp.add(ONE_HOP, "rhizome", t[1], List.of(b.proc()));
        tcp.add(ONE_HOP, "nginx", t[3], List.of(nginxTcpB));
        tcp.add(ONE_HOP, "haproxy", t[5], List.of(haproxyTcpB));
        tcp.add(MESH, "rhizome", t[2], List.of(a.proc(), b.proc()));
        tcp.add(MESH, "nginx", t[4], List.of(nginxTcpA, nginxTcpB));
        tcp.add(MESH, "haproxy", t[6], List.of(haproxyTcpA, haproxyTcpB));
        meshNodeA = a;
        meshNodeB = b;
    }

    /** The opaque TCP rows, measured after the HTTP/2 ones. */
    final TcpRows tcp = new TcpRows();

    /** The HTTP/2 and gRPC rows, measured after the HTTP/1.1 ones. */
    final Http2Rows http2;

    MeshNodes.Node meshNodeA;
    MeshNodes.Node meshNodeB;

    private Proc nginx(String name, String cpus, String conf)
            throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve(name + "-tmp"));
        Path file = dir.resolve(name + ".nginx.conf");
        Files.writeString(file, conf);
        Proc proc =
                Proc.start(
                        name,
                        cpus,
                        List.of("nginx", "-p", dir.toString(), "-c", file.toString()),
                        dir.resolve(name + ".log"),
                        Map.of(),
                        dir);
        procs.add(proc);
        awaitListening(proc, conf);
        return proc;
    }

    private Proc haproxy(String name, String cpus, String conf)
            throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".haproxy.cfg");
        Files.writeString(file, conf);
        Proc proc =
                Proc.start(
                        name,
                        cpus,
                        List.of("haproxy", "-db", "-f", file.toString()),
                        dir.resolve(name + ".log"),
                        Map.of(),
                        dir);
        procs.add(proc);
        awaitListening(proc, conf);
        return proc;
    }

    /** Waits until the first 127.0.0.1 port in {@code conf} accepts connections. */
    private void awaitListening(Proc proc, String conf) throws InterruptedException {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(conf);
        int port = -1;
        // nginx and HAProxy files name their listener after the upstream; the listener is the one
        // on a bind/listen line.
        for (String line : conf.split("\n")) {
            if (line.contains("listen ") || line.contains("bind ")) {
                m = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!proc.alive()) {
                throw new BenchFailure(proc.name() + " exited: " + proc.logTail());
            }
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new BenchFailure(
                proc.name() + " is not listening on " + port + ": " + proc.logTail());
    }

    private void awaitRoutable(MeshNodes.Node from, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (nodes.endpoints(from).containsValue("")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            Thread.sleep(20);
        }
        throw new BenchFailure(
                from.name() + " never saw a routable endpoint of " + MeshNodes.SERVICE);
    }

    void stopAll() {
        if (nodes != null) {
            nodes.stopAll();
        }
        for (Proc p : procs) {
            p.stop(5);
        }
        procs.clear();
    }

    // ---------------------------------------------------------------- measurements

    /** Every path answers 200 with the expected body, or the run stops here. */
    private void sanityCheck() throws Exception {
        for (Row r : rows) {
            for (String body : BODIES) {
                HttpResponse<byte[]> resp =
                        http.send(
                                HttpRequest.newBuilder(URI.create(r.url(body)))
                                        .header("Host", r.host)
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                int expected = body.equals("4k") ? PeerConfigs.LARGE_BODY : 3;
                if (resp.statusCode() != 200 || resp.body().length != expected) {
                    throw new BenchFailure(
                            r.key()
                                    + " "
                                    + r.url(body)
                                    + " answered "
                                    + resp.statusCode()
                                    + " with "
                                    + resp.body().length
                                    + " bytes (expected: 200 with "
                                    + expected
                                    + ")");
                }
            }
        }
    }

    private void warmUp() throws Exception {
        say(
                "warm-up: each Rhizome path until its throughput is steady (JIT; at least %d s, at most %d s)%s, 1 s for the others",
                options.warmup().toSeconds(),
                maxWarmup().toSeconds(),
                options.variant().tls()
                        ? ", at least " + TLS_WARMUP.toSeconds() + " s on the TLS mesh path"
                        : "");
        for (Row r : rows) {
            Duration d = r.system.equals("rhizome") ? options.warmup() : Duration.ofSeconds(1);
            if (r.system.equals("rhizome")
                    && r.path.equals(MESH)
                    && options.variant().tls()
                    && d.compareTo(TLS_WARMUP) < 0) {
                // With the JDK's SSLEngine the TLS path needed ~30 s of load before C2 was done
                // with it
                // (after 3 s it ran at an eighth of its warm throughput); OpenSSL, the default
                // where it
                // loads, gets there sooner, but the run measures both providers warm.
                d = TLS_WARMUP;
            }
            if (r.system.equals("rhizome")) {
                warmUntilSteady(r, d);
            }
            for (String body : BODIES) {
                if (!(r.system.equals("rhizome") && body.equals("tiny"))) { // warmed above
                    Wrk.run(options.loadCpu(), r.url(body), r.host, options.connections(), d);
                }
            }
        }
        // The load generator's own JIT: a short run against the direct path.
        new FixedRateLoad(rows.get(0).address(), options.connections())
                .run(2000, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    /** The most load a Rhizome path gets before it counts as warm, steady or not. */
    private Duration maxWarmup() {
        return options.quick() ? Duration.ofSeconds(40) : Duration.ofSeconds(90);
    }

    /**
     * Loads {@code r} (tiny body) in 2 s runs until the path is warm: its nodes' JIT compiler
     * threads used under 5 % of the run's time and its throughput agrees with the run before within
     * 10 %, after at least {@code min}. Measured here: the mesh path's two JVMs compile for 10-15 s
     * of load on their one CPU, with plateaus on the way (2.8k rps twice in a row), so a fixed 3 s
     * warm-up, or throughput alone, measured the compiler, not the proxy (7k rps after 3 s, 15-18k
     * warm). How long it took is a figure of the run, in its notes.
     */
    private void warmUntilSteady(Row r, Duration min) throws Exception {
        long t0 = System.nanoTime();
        double last = 0;
        while (true) {
            double jit0 = compilerSeconds(r);
            long w0 = System.nanoTime();
            double rps =
                    Wrk.run(
                                    options.loadCpu(),
                                    r.url("tiny"),
                                    r.host,
                                    options.connections(),
                                    Duration.ofSeconds(2))
                            .rps();
            double jitShare = (compilerSeconds(r) - jit0) / ((System.nanoTime() - w0) / 1e9);
            Duration spent = Duration.ofNanos(System.nanoTime() - t0);
            boolean steady =
                    jitShare < 0.05
                            && last > 0
                            && Math.abs(rps - last) <= 0.10 * Math.max(rps, last);
            last = rps;
            if ((steady && spent.compareTo(min) >= 0) || spent.compareTo(maxWarmup()) >= 0) {
                notes.add(
                        String.format(
                                Locale.ROOT,
                                "%s warm-up: %s after %d s of load (%.0f rps, JIT %.0f %% of the last 2 s)",
                                r.key(),
                                steady ? "steady" : "NOT steady",
                                spent.toSeconds(),
                                rps,
                                jitShare * 100));
                say(
                        "  %-8s %-8s warm after %d s (%.0f rps, JIT %.0f %%)%s",
                        r.path,
                        r.system,
                        spent.toSeconds(),
                        rps,
                        jitShare * 100,
                        steady ? "" : ", not steady yet");
                return;
            }
        }
    }

    private static double compilerSeconds(Row r) {
        double s = 0;
        for (Proc p : r.procs) {
            s += p.compilerCpuSeconds();
        }
        return s;
    }

    private void throughput() throws Exception {
        say(
                "throughput: wrk -t1 -c%d, %d s per run, %d run(s) per path and body",
                options.connections(),
                options.throughput().toSeconds(),
                options.throughputRepeats());
        for (String body : BODIES) {
            Map<Row, double[]> runs = new LinkedHashMap<>();
            for (int i = 0; i < options.throughputRepeats(); i++) {
                for (Row r : rows) {
                    double cpu0 = r.cpuSeconds();
                    Wrk.Result w =
                            Wrk.run(
                                    options.loadCpu(),
                                    r.url(body),
                                    r.host,
                                    options.connections(),
                                    options.throughput());
                    double cpu = r.cpuSeconds() - cpu0;
                    if (!w.clean()) {
                        r.errors += w.non2xx() + w.socketErrors();
                        notes.add(
                                String.format(
                                        Locale.ROOT,
                                        "%s %s: wrk saw %d non-2xx and %d socket errors",
                                        r.key(),
                                        body,
                                        w.non2xx(),
                                        w.socketErrors()));
                    }
                    runs.computeIfAbsent(r, k -> new double[options.throughputRepeats()])[i] =
                            w.rps();
                    r.closedP99.merge(body, w.p99Millis(), Math::max);
                    if (body.equals("tiny") && !r.procs.isEmpty()) {
                        double per1000 = cpu / w.requests() * 1000;
                        r.cpuPer1000Saturated =
                                Double.isNaN(r.cpuPer1000Saturated)
                                        ? per1000
                                        : Math.min(r.cpuPer1000Saturated, per1000);
                    }
                    say("  %-8s %-8s %-4s %9.0f rps", r.path, r.system, body, w.rps());
                }
            }
            runs.forEach((r, v) -> r.rps.put(body, median(v)));
        }
    }

    private void latency() throws Exception {
        say(
                "latency: open loop at %s rps, %d connections, %d s per run (after %d s unrecorded), CO-corrected",
                options.rates(),
                options.connections(),
                options.latency().toSeconds(),
                options.latencyWarmup().toSeconds());
        int lowest = options.rates().stream().mapToInt(Integer::intValue).min().orElseThrow();
        for (int rate : options.rates()) {
            for (Row r : rows) {
                double cpu0 = r.cpuSeconds();
                FixedRateLoad.Result res =
                        new FixedRateLoad(r.address(), options.connections())
                                .run(rate, options.latencyWarmup(), options.latency());
                double cpu = r.cpuSeconds() - cpu0;
                if (rate == lowest && !r.procs.isEmpty()) {
                    // CPU over warm-up plus measured window, per request sent in both.
                    double sent =
                            rate
                                    * (options.latencyWarmup().toNanos()
                                            + options.latency().toNanos())
                                    / 1e9;
                    r.cpuPer1000AtRate = cpu / sent * 1000;
                }
                if (res.errors() > 0) {
                    r.errors += res.errors();
                    notes.add(
                            String.format(
                                    Locale.ROOT,
                                    "%s at %d rps: %d errors (first: %s)",
                                    r.key(),
                                    rate,
                                    res.errors(),
                                    res.firstError()));
                }
                r.latency.put(
                        rate,
                        new Row.Latency(
                                rate,
                                res.percentileMillis(50),
                                res.percentileMillis(99),
                                res.percentileMillis(99.9),
                                res.maxMillis(),
                                res.errors(),
                                res.achievedRate(),
                                res.sendLateMillis(99)));
                say(
                        "  %-8s %-8s %5d rps: p50 %.3f  p99 %.3f  p99.9 %.3f ms  (max %.1f, errors %d)",
                        r.path,
                        r.system,
                        rate,
                        res.percentileMillis(50),
                        res.percentileMillis(99),
                        res.percentileMillis(99.9),
                        res.maxMillis(),
                        res.errors());
            }
        }
    }

    /**
     * A third node joins the running cluster (start-to-ready, repeated); the last one stays and
     * fronts a second instance of the service; A sends it traffic; it is killed with SIGKILL and
     * A's view is polled until its endpoint leaves load balancing.
     */
    private void joinAndDrain() throws Exception {
        List<Double> ready = new ArrayList<>();
        MeshNodes.Node joined = null;
        for (int i = 1; i <= options.readyRuns(); i++) {
            MeshNodes.Node n =
                    nodes.start(
                            "rhizome-join-" + i,
                            options.proxyCpu(),
                            List.of(meshNodeB.clusterPort(), meshNodeA.clusterPort()),
                            "127.0.0.1:" + upstreamPort);
            long at = nodes.awaitReady(n, Duration.ofSeconds(60));
            double ms = (at - n.startedNanos()) / 1e6;
            ready.add(ms);
            say("  start-to-ready (joining a running cluster of 2): %.0f ms", ms);
            if (i < options.readyRuns()) {
                n.proc().stop(15);
                // Wait until the others have seen it leave, so the next join starts from a cluster
                // of 2.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (nodes.membersUp(meshNodeA) != 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
            } else {
                joined = n;
            }
        }
        cluster.put("start-to-ready-ms", ready);
        cluster.put(
                "start-to-ready-ms-median",
                median(ready.stream().mapToDouble(Double::doubleValue).toArray()));
        drain(joined);
    }

    private void drain(MeshNodes.Node victim) throws Exception {
        MeshNodes.Node a = meshNodeA;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Map<String, String> eps = nodes.endpoints(a);
            if ("".equals(eps.get(victim.name())) && "".equals(eps.get(meshNodeB.name()))) {
                break;
            }
            Thread.sleep(20);
        }
        if (!"".equals(nodes.endpoints(a).get(victim.name()))) {
            throw new BenchFailure(
                    a.name() + " never routed to " + victim.name() + ": " + nodes.endpoints(a));
        }
        int rate = 500;
        Duration total = options.drainLoad();
        Row meshRow =
                rows.stream()
                        .filter(r -> r.path.equals(MESH) && r.system.equals("rhizome"))
                        .findFirst()
                        .orElseThrow();
        CompletableFuture<FixedRateLoad.Result> load =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return new FixedRateLoad(meshRow.address(), 8)
                                        .run(rate, Duration.ZERO, total);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
        Thread.sleep(2000);
        long killed = System.nanoTime();
        victim.proc().kill();
        double excludedMs = Double.NaN;
        double unreachableMs = Double.NaN;
        String firstReason = "";
        long pollEnd = killed + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < pollEnd) {
            String reason;
            try {
                reason = nodes.endpoints(a).getOrDefault(victim.name(), "removed");
            } catch (IOException e) {
                reason = null;
            }
            long now = System.nanoTime();
            if (reason != null && !reason.isEmpty()) {
                if (Double.isNaN(excludedMs)) {
                    excludedMs = (now - killed) / 1e6;
                    firstReason = reason;
                }
                if (reason.startsWith("member-") || reason.equals("removed")) {
                    unreachableMs = (now - killed) / 1e6;
                    break;
                }
            }
            Thread.sleep(5);
        }
        FixedRateLoad.Result res = load.get(total.toSeconds() + 30, TimeUnit.SECONDS);
        cluster.put("drain-excluded-ms", excludedMs);
        cluster.put("drain-excluded-reason", firstReason);
        cluster.put("drain-member-unreachable-ms", unreachableMs);
        cluster.put("drain-load-rps", rate);
        cluster.put("drain-load-errors", res.errors());
        cluster.put("drain-load-p99-ms", res.percentileMillis(99));
        cluster.put("drain-load-max-ms", res.maxMillis());
        say(
                "  drain after kill -9: out of load balancing after %.0f ms (%s), member unreachable after %.0f ms; "
                        + "%d rps meanwhile: %d errors, max %.1f ms",
                excludedMs, firstReason, unreachableMs, rate, res.errors(), res.maxMillis());
    }

    /** Policy propagation across 5 nodes: bench/convergence's own benchmark, on both CPUs. */
    private void convergence() throws Exception {
        say(
                "policy propagation: ConvergenceBench, 5 nodes, %d rounds",
                options.convergenceRounds());
        Path json = root.resolve("bench/results/convergence-latest.json");
        Files.deleteIfExists(json);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                "taskset",
                                "-c",
                                "0-" + (Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0),
                                java,
                                "-Xmx256m",
                                "-Drhizome.root=" + root,
                                "-cp",
                                System.getProperty("java.class.path"),
                                "io.rhizome.mesh.bench.ConvergenceBench",
                                "--nodes",
                                "5",
                                "--rounds",
                                String.valueOf(options.convergenceRounds()),
                                "--warmup",
                                String.valueOf(options.convergenceWarmup())));
        Process p =
                new ProcessBuilder(cmd)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("convergence.log").toFile())
                        .start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.exists(json)) {
            p.destroyForcibly();
            notes.add(
                    "policy propagation: ConvergenceBench failed; see "
                            + dir.resolve("convergence.log"));
            throw new BenchFailure(
                    "ConvergenceBench failed: " + Files.readString(dir.resolve("convergence.log")));
        }
        Config c = ConfigFactory.parseFile(json.toFile());
        Map<String, Object> conv = new LinkedHashMap<>();
        for (String k : List.of("p50", "p90", "p99", "max")) {
            conv.put(k, c.getDouble("convergence-ms." + k));
        }
        cluster.put("policy-propagation-ms", conv);
        cluster.put("policy-propagation-rounds", options.convergenceRounds());
        say(
                "  convergence across 5 nodes: p50 %.1f, p99 %.1f ms",
                conv.get("p50"), conv.get("p99"));
    }

    // ---------------------------------------------------------------- helpers

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0
                ? Double.NaN
                : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static void say(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
