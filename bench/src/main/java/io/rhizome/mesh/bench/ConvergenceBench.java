package io.rhizome.mesh.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Policy convergence benchmark: starts N real node processes through {@code bin/mesh-node}, then
 * for K rounds applies one Route on one node (round robin, alternately a new Route and a change to
 * an existing one) and measures the time from just before the {@code POST /v1/apply} is sent until
 * every node's {@code GET /v1/config/digest} reports the digest the applying node has after the
 * write. Each node is polled every 2 ms ({@code --poll-ms}) by its own thread of one fixed pool of
 * N threads; a node's time is the moment the first answer carrying the target digest arrived
 * (answers are recorded from just before the POST, so a node that converged before the POST
 * returned counts as such).
 *
 * <p>Usage: {@code bench/convergence [--nodes N] [--rounds K] [--profile production|fast]
 * [--verbose] [--poll-ms MS]}. Writes {@code bench/results/convergence-<yyyy-MM-dd'T'HHmm>.md} and
 * {@code convergence-latest.json}. The node processes are always stopped at the end, on failures
 * and on Ctrl-C too.
 */
public final class ConvergenceBench {

    static final int WARMUP = 50;
    static final Duration ROUND_TIMEOUT = Duration.ofSeconds(30);
    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    static final double GOAL_P99_MS = 300;

    /** Command-line options. */
    record Options(int nodes, int rounds, String profile, boolean verbose, int pollMs, int warmup) {
        static final String USAGE =
                "usage: bench/convergence [--nodes N] [--rounds K] [--profile production|fast] [--verbose]"
                        + " [--poll-ms MS] [--warmup N]";

        static Options parse(String[] args) {
            int nodes = 5;
            int rounds = 100;
            String profile = "production";
            boolean verbose = false;
            int pollMs = 2;
            int warmup = WARMUP;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--verbose", "-v" -> verbose = true;
                    case "--help", "-h" -> throw new UsageException(null);
                    case "--nodes", "--rounds", "--profile", "--poll-ms", "--warmup" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new UsageException(a + " needs a value");
                            }
                            value = args[++i];
                        }
                        switch (a) {
                            case "--nodes" -> nodes = intIn(a, value, 2, 20);
                            case "--rounds" -> rounds = intIn(a, value, 1, 100_000);
                            case "--poll-ms" -> pollMs = intIn(a, value, 1, 1000);
                            case "--warmup" -> warmup = intIn(a, value, 0, 10_000);
                            default -> {
                                if (!value.equals("production") && !value.equals("fast")) {
                                    throw new UsageException(
                                            "--profile: \""
                                                    + value
                                                    + "\" (expected: production or fast)");
                                }
                                profile = value;
                            }
                        }
                    }
                    default -> throw new UsageException("unknown argument \"" + args[i] + "\"");
                }
            }
            return new Options(nodes, rounds, profile, verbose, pollMs, warmup);
        }

        private static int intIn(String flag, String value, int min, int max) {
            try {
                int n = Integer.parseInt(value);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new UsageException(
                    flag + ": \"" + value + "\" (expected: an integer " + min + ".." + max + ")");
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** A failure that ends the run with one message (and the path of the node logs). */
    static final class BenchFailure extends RuntimeException {
        BenchFailure(String message) {
            super(message);
        }
    }

    /** One started node. */
    record Node(
            String name,
            int clusterPort,
            int adminPort,
            int outboundPort,
            int inboundPort,
            Path config,
            Path log,
            Process process) {
        String base() {
            return "http://127.0.0.1:" + adminPort;
        }

        String logTail() {
            try {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }
    }

    /**
     * One measured (or warm-up) apply; nodeMs: when each node (in node order) first showed the new
     * digest.
     */
    record Round(
            int index,
            String writer,
            int writerIndex,
            String op,
            String resource,
            int status,
            double postMs,
            double convergenceMs,
            double[] nodeMs) {
        double writerMs() {
            return nodeMs[writerIndex];
        }
    }

    private static final Pattern DIGEST = Pattern.compile("\"digest\"\\s*:\\s*\"([^\"]*)\"");
    private static final ConfigParseOptions JSON =
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON);

    private final Options options;
    private final Path root;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> weights = new LinkedHashMap<>();
    private ExecutorService pollers;
    private Path workDir;
    private boolean stopping;
    private volatile boolean failed;
    private int applied;

    ConvergenceBench(Options options, Path root) {
        this.options = options;
        this.root = root;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("convergence: " + e.getMessage());
            }
            System.err.println(Options.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        Path root = Path.of(System.getProperty("rhizome.root", ".")).toAbsolutePath().normalize();
        if (!Files.isExecutable(root.resolve("bin/mesh-node"))) {
            System.err.println(
                    "convergence: no bin/mesh-node under "
                            + root
                            + " (run from the repository root or set -Drhizome.root)");
            System.exit(2);
        }
        ConvergenceBench bench = new ConvergenceBench(options, root);
        // Ctrl-C, SIGTERM, or any exit: the nodes never outlive the benchmark.
        Thread hook =
                new Thread(
                        () -> {
                            bench.stopNodes();
                            if (!bench.failed) {
                                bench.deleteWorkDir();
                            }
                        },
                        "bench-stop-nodes");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 0;
        try {
            bench.run();
        } catch (BenchFailure e) {
            bench.failed = true;
            System.err.println("convergence: " + e.getMessage());
            exit = 1;
        } catch (Exception e) {
            bench.failed = true;
            System.err.println("convergence: failed");
            e.printStackTrace();
            exit = 1;
        } finally {
            bench.stopNodes();
        }
        if (bench.workDir != null) {
            if (exit == 0) {
                bench.deleteWorkDir();
            } else {
                System.err.println("convergence: node configs and logs kept in " + bench.workDir);
            }
        }
        System.exit(exit);
    }

    void run() throws Exception {
        LocalDateTime startedLocal = LocalDateTime.now();
        Instant startedAt = Instant.now();
        startNodes();
        awaitCluster();
        pollers =
                Executors.newFixedThreadPool(
                        options.nodes(),
                        new java.util.concurrent.ThreadFactory() {
                            private final AtomicInteger n = new AtomicInteger();

                            @Override
                            public Thread newThread(Runnable r) {
                                Thread t = new Thread(r, "digest-poller-" + n.incrementAndGet());
                                t.setDaemon(true);
                                return t;
                            }
                        });
        try {
            System.err.printf(Locale.ROOT, "warm-up: %d applies%n", options.warmup());
            for (int i = 0; i < options.warmup(); i++) {
                Round r = round(-1 - i);
                if (options.verbose()) {
                    printRound("warm-up " + (i + 1) + "/" + options.warmup(), r);
                }
            }
            System.err.printf(Locale.ROOT, "measuring: %d rounds%n", options.rounds());
            long[] cpuBefore = cpuTicks();
            List<Round> rounds = new ArrayList<>();
            for (int i = 0; i < options.rounds(); i++) {
                Round r = round(i + 1);
                rounds.add(r);
                if (options.verbose()) {
                    printRound("round " + (i + 1) + "/" + options.rounds(), r);
                } else if ((i + 1) % 25 == 0 && i + 1 < options.rounds()) {
                    System.err.printf(Locale.ROOT, "  %d/%d rounds%n", i + 1, options.rounds());
                }
            }
            report(rounds, startedLocal, startedAt, cpuBusy(cpuBefore, cpuTicks()));
        } finally {
            pollers.shutdownNow();
        }
    }

    private static void printRound(String label, Round r) {
        StringBuilder perNode = new StringBuilder();
        for (double ms : r.nodeMs()) {
            perNode.append(String.format(Locale.ROOT, " %6.1f", ms));
        }
        System.out.printf(
                Locale.ROOT,
                "%s  %s %-6s %-10s POST %7.1f ms (%d)  converged %7.1f ms  per node:%s%n",
                label,
                r.writer(),
                r.op(),
                r.resource(),
                r.postMs(),
                r.status(),
                r.convergenceMs(),
                perNode);
    }

    // ---------------------------------------------------------------- nodes

    private void startNodes() throws IOException {
        workDir = Files.createTempDirectory("rhizome-bench-");
        int n = options.nodes();
        int[] ports = freePorts(4 * n);
        List<String> seeds = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[4]);
        String seedList = String.join(", ", seeds.stream().map(ConvergenceBench::quote).toList());
        System.err.printf(
                Locale.ROOT,
                "starting %d nodes (profile %s) in %s%n",
                n,
                options.profile(),
                workDir);
        for (int i = 0; i < n; i++) {
            String name = "node-" + (i + 1);
            int cluster = ports[4 * i];
            int admin = ports[4 * i + 1];
            int outbound = ports[4 * i + 2];
            int inbound = ports[4 * i + 3];
            // The generated file sets addresses, seeds and the profile only: every timing that
            // matters to convergence is the shipped default of that profile. drain-delay = 0s
            // only shortens the stop at the end.
            String conf =
                    """
                    rhizome {
                      node.name = %s
                      cluster { host = "127.0.0.1", port = %d, seed-nodes = [%s], profile = %s }
                      admin { host = "127.0.0.1", port = %d }
                      outbound { host = "127.0.0.1", port = %d }
                      inbound { host = "127.0.0.1", port = %d }
                      data-dir = %s
                      services = []
                      shutdown { drain-delay = 0s }
                    }
                    """
                            .formatted(
                                    quote(name),
                                    cluster,
                                    seedList,
                                    options.profile(),
                                    admin,
                                    outbound,
                                    inbound,
                                    quote(workDir.resolve("data/" + name).toString()));
            Path config = workDir.resolve(name + ".conf");
            Files.writeString(config, conf);
            Path log = workDir.resolve(name + ".log");
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    root.resolve("bin/mesh-node").toString(),
                                    "--config",
                                    config.toString())
                            .directory(root.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile());
            synchronized (this) {
                if (stopping) {
                    throw new BenchFailure("interrupted while starting nodes");
                }
                Process p = pb.start();
                processes.add(p);
                nodes.add(new Node(name, cluster, admin, outbound, inbound, config, log, p));
            }
        }
    }

    /** Every node ready (/readyz 200) and every node listing N members Up and reachable. */
    private void awaitCluster() throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            checkAlive();
            List<String> waiting = new ArrayList<>();
            for (Node node : nodes) {
                String why = notReady(node);
                if (why != null) {
                    waiting.add(node.name() + ": " + why);
                }
            }
            if (waiting.isEmpty()) {
                System.err.printf(
                        Locale.ROOT,
                        "cluster of %d Up after %.1f s%n",
                        nodes.size(),
                        (System.nanoTime() - t0) / 1e9);
                return;
            }
            state = String.join("; ", waiting);
            Thread.sleep(250);
        }
        throw new BenchFailure(
                "the cluster did not form within " + READY_TIMEOUT.toSeconds() + " s: " + state);
    }

    private String notReady(Node node) {
        try {
            HttpResponse<String> ready = get(node, "/readyz");
            if (ready.statusCode() != 200) {
                return "/readyz " + ready.statusCode();
            }
            HttpResponse<String> members = get(node, "/v1/members");
            if (members.statusCode() != 200) {
                return "/v1/members " + members.statusCode();
            }
            int up = 0;
            for (Config m :
                    ConfigFactory.parseString(members.body(), JSON).getConfigList("members")) {
                if (m.getString("status").equals("Up") && m.getBoolean("reachable")) {
                    up++;
                }
            }
            return up == nodes.size() ? null : up + "/" + nodes.size() + " members Up";
        } catch (IOException e) {
            return "admin port not answering";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (RuntimeException e) {
            return "unexpected answer: " + e.getMessage();
        }
    }

    private void checkAlive() {
        for (Node node : nodes) {
            if (!node.process().isAlive()) {
                throw new BenchFailure(
                        node.name()
                                + " exited with code "
                                + node.process().exitValue()
                                + "; its log ends with:\n"
                                + node.logTail());
            }
        }
    }

    /** Stops every node: SIGTERM, then SIGKILL what is still running after 5 s. Idempotent. */
    synchronized void stopNodes() {
        stopping = true;
        if (processes.isEmpty()) {
            return;
        }
        processes.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Process p : processes) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        processes.clear();
    }

    private void deleteWorkDir() {
        if (workDir == null || !Files.exists(workDir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(workDir)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("convergence: could not delete " + workDir + ": " + e.getMessage());
        }
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    // ---------------------------------------------------------------- rounds

    /**
     * Polls one node's digest every --poll-ms (2 ms), recording each new digest with the time its
     * answer arrived.
     */
    private final class Poller implements java.util.concurrent.Callable<Long> {
        private final Node node;
        private final long pollNanos = TimeUnit.MILLISECONDS.toNanos(options.pollMs());
        private final List<Long> times = new ArrayList<>();
        private final List<String> digests = new ArrayList<>();
        volatile String target;
        volatile boolean abort;
        volatile String last = "";
        volatile String error;

        Poller(Node node) {
            this.node = node;
        }

        /** Returns the nanoTime of the first answer carrying the target digest. */
        @Override
        public Long call() {
            long next = System.nanoTime();
            while (!abort) {
                try {
                    String d = digest(node);
                    long at = System.nanoTime();
                    if (!d.equals(last)) {
                        digests.add(d);
                        times.add(at);
                        last = d;
                    }
                    error = null;
                } catch (IOException e) {
                    error = e.toString();
                } catch (InterruptedException e) {
                    return null;
                }
                String t = target;
                if (t != null) {
                    int i = digests.indexOf(t);
                    if (i >= 0) {
                        return times.get(i);
                    }
                }
                next += pollNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    LockSupport.parkNanos(sleep);
                } else {
                    next = System.nanoTime();
                }
            }
            return null;
        }
    }

    /** One apply: index > 0 is a measured round, index < 0 a warm-up apply. */
    private Round round(int index) throws Exception {
        int writerIndex = applied % nodes.size();
        Node writer = nodes.get(writerIndex);
        boolean create = applied % 2 == 0 || names.isEmpty();
        String name;
        int weight;
        if (create) {
            name = "bench-" + (names.size() + 1);
            weight = 1;
            names.add(name);
        } else {
            // Updates cycle through the existing Routes; the weight always changes.
            name = names.get((applied / 2) % names.size());
            weight = weights.get(name) % 1000 + 1;
        }
        weights.put(name, weight);
        applied++;
        String body =
                "{\"kind\":\"Route\",\"name\":\""
                        + name
                        + "\",\"spec\":{\"service\":\"echo\",\"rules\":[{\"backends\":[{\"weight\":"
                        + weight
                        + "}]}]}}";

        // The digest before the write: the one after it must differ (it carries the new version).
        String before = digest(writer);
        List<Poller> ps = new ArrayList<>();
        List<Future<Long>> futures = new ArrayList<>();
        for (Node node : nodes) {
            Poller p = new Poller(node);
            ps.add(p);
            futures.add(pollers.submit(p));
        }
        try {
            HttpRequest post =
                    HttpRequest.newBuilder(URI.create(writer.base() + "/v1/apply"))
                            .timeout(HTTP_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build();
            long t0 = System.nanoTime();
            HttpResponse<String> answer = http.send(post, HttpResponse.BodyHandlers.ofString());
            long returned = System.nanoTime();
            if (answer.statusCode() != 200 && answer.statusCode() != 202) {
                throw new BenchFailure(
                        "POST /v1/apply on "
                                + writer.name()
                                + " answered "
                                + answer.statusCode()
                                + ": "
                                + answer.body().strip());
            }
            String status =
                    ConfigFactory.parseString(answer.body(), JSON)
                            .getConfigList("results")
                            .get(0)
                            .getString("status");
            String expected = create ? "created" : "updated";
            if (!status.equals(expected)) {
                throw new BenchFailure(
                        "POST /v1/apply on "
                                + writer.name()
                                + " of "
                                + name
                                + ": status \""
                                + status
                                + "\" (expected: "
                                + expected
                                + "): "
                                + answer.body().strip());
            }
            long deadline = t0 + ROUND_TIMEOUT.toNanos();
            String after = digest(writer);
            while (after.equals(before)) {
                if (System.nanoTime() > deadline) {
                    throw new BenchFailure(
                            "POST /v1/apply on "
                                    + writer.name()
                                    + " answered "
                                    + answer.statusCode()
                                    + " but its digest did not change within "
                                    + ROUND_TIMEOUT.toSeconds()
                                    + " s");
                }
                Thread.sleep(1);
                after = digest(writer);
            }
            String target = after;
            ps.forEach(p -> p.target = target);

            long last = t0;
            double[] nodeMs = new double[futures.size()];
            for (int i = 0; i < futures.size(); i++) {
                Long at = null;
                while (at == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new BenchFailure(notConverged(index, writer, name, target, ps));
                    }
                    try {
                        at =
                                futures.get(i)
                                        .get(
                                                Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)),
                                                TimeUnit.NANOSECONDS);
                        if (at == null) {
                            throw new BenchFailure("poller of " + nodes.get(i).name() + " stopped");
                        }
                    } catch (TimeoutException e) {
                        checkAlive();
                    } catch (ExecutionException e) {
                        throw new BenchFailure(
                                "polling " + nodes.get(i).name() + " failed: " + e.getCause());
                    }
                }
                last = Math.max(last, at);
                nodeMs[i] = (at - t0) / 1e6;
            }
            return new Round(
                    index,
                    writer.name(),
                    writerIndex,
                    create ? "create" : "update",
                    name,
                    answer.statusCode(),
                    (returned - t0) / 1e6,
                    (last - t0) / 1e6,
                    nodeMs);
        } finally {
            ps.forEach(p -> p.abort = true);
            for (Future<Long> f : futures) {
                try {
                    f.get(5, TimeUnit.SECONDS);
                } catch (ExecutionException
                        | TimeoutException
                        | java.util.concurrent.CancellationException e) {
                    f.cancel(true);
                }
            }
        }
    }

    private String notConverged(
            int index, Node writer, String name, String target, List<Poller> ps) {
        StringBuilder b = new StringBuilder();
        b.append(index > 0 ? "round " + index : "warm-up apply " + (-index))
                .append(" (Route ")
                .append(name)
                .append(" on ")
                .append(writer.name())
                .append("): not converged within ")
                .append(ROUND_TIMEOUT.toSeconds())
                .append(" s; target digest ")
                .append(target)
                .append(':');
        for (int i = 0; i < ps.size(); i++) {
            Poller p = ps.get(i);
            b.append("\n  ")
                    .append(nodes.get(i).name())
                    .append(": ")
                    .append(p.last)
                    .append(p.error == null ? "" : " (last poll failed: " + p.error + ")");
        }
        return b.toString();
    }

    private String digest(Node node) throws IOException, InterruptedException {
        HttpResponse<String> r = get(node, "/v1/config/digest");
        if (r.statusCode() != 200) {
            throw new IOException(
                    "GET /v1/config/digest on " + node.name() + ": " + r.statusCode());
        }
        Matcher m = DIGEST.matcher(r.body());
        if (m.find()) {
            return m.group(1);
        }
        return ConfigFactory.parseString(r.body(), JSON).getString("digest");
    }

    private HttpResponse<String> get(Node node, String path)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(node.base() + path))
                        .timeout(HTTP_TIMEOUT)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---------------------------------------------------------------- report

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    record Summary(int count, double p50, double p90, double p99, double max) {
        static Summary of(double[] values) {
            double[] s = values.clone();
            Arrays.sort(s);
            return new Summary(
                    s.length,
                    percentile(s, 0.50),
                    percentile(s, 0.90),
                    percentile(s, 0.99),
                    s[s.length - 1]);
        }

        String row(String label) {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %.1f | %.1f | %.1f | %.1f |",
                    label,
                    count,
                    p50,
                    p90,
                    p99,
                    max);
        }

        String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f}",
                    p50,
                    p90,
                    p99,
                    max);
        }
    }

    private void report(
            List<Round> rounds, LocalDateTime startedLocal, Instant startedAt, double cpuBusy)
            throws IOException {
        Summary conv = Summary.of(rounds.stream().mapToDouble(Round::convergenceMs).toArray());
        Summary post = Summary.of(rounds.stream().mapToDouble(Round::postMs).toArray());
        Summary own = Summary.of(rounds.stream().mapToDouble(Round::writerMs).toArray());
        long accepted = rounds.stream().filter(r -> r.status() == 202).count();
        String nproc = command("nproc");
        if (nproc.equals("unknown")) {
            nproc = String.valueOf(Runtime.getRuntime().availableProcessors());
        }
        String kernel = command("uname", "-r");
        String commit = command("git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
        String status = command("git", "-C", root.toString(), "status", "--porcelain");
        boolean dirty = !status.isEmpty() && !status.equals("unknown");
        String goal =
                conv.p99() < GOAL_P99_MS
                        ? String.format(
                                Locale.ROOT, "met (p99 %.1f ms < %.0f ms)", conv.p99(), GOAL_P99_MS)
                        : String.format(
                                Locale.ROOT,
                                "NOT met: p99 %.1f ms is %.1f ms over %.0f ms",
                                conv.p99(),
                                conv.p99() - GOAL_P99_MS,
                                GOAL_P99_MS);

        String title =
                String.format(
                        Locale.ROOT,
                        "Policy convergence: %d nodes, profile %s, %d rounds (after %d warm-up applies)",
                        options.nodes(),
                        options.profile(),
                        options.rounds(),
                        options.warmup());
        String machine =
                String.format(
                        Locale.ROOT,
                        "machine: nproc %s, kernel %s; commit %s%s",
                        nproc,
                        kernel,
                        commit,
                        dirty ? " (with uncommitted changes)" : "");
        List<String> table =
                List.of(
                        "| ms | rounds | p50 | p90 | p99 | max |",
                        "|---|---:|---:|---:|---:|---:|",
                        conv.row("convergence (POST sent → all digests equal)"),
                        post.row("POST /v1/apply latency"),
                        own.row("applying node's own digest changed"));
        String replicating =
                String.format(
                        Locale.ROOT,
                        "POSTs answered 202 (replicating): %d of %d",
                        accepted,
                        rounds.size());
        String cpu =
                cpuBusy < 0
                        ? "CPU busy while measuring: unknown"
                        : String.format(
                                Locale.ROOT,
                                "CPU busy while measuring (all processes, /proc/stat): %.0f%% of %s CPUs; digests polled every %d ms",
                                cpuBusy * 100,
                                nproc,
                                options.pollMs());

        System.out.println();
        System.out.println(title);
        System.out.println(machine);
        System.out.println();
        table.forEach(System.out::println);
        System.out.println();
        System.out.println(replicating);
        System.out.println(cpu);
        System.out.println("goal p99 < 300 ms: " + goal);

        Path dir = root.resolve("bench/results");
        Files.createDirectories(dir);
        String stamp =
                startedLocal.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm", Locale.ROOT));
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("- started: ").append(startedAt).append('\n');
        md.append("- profile: `")
                .append(options.profile())
                .append("`, nodes: ")
                .append(options.nodes())
                .append(", rounds: ")
                .append(options.rounds())
                .append(", warm-up applies: ")
                .append(options.warmup())
                .append('\n');
        md.append("- machine: nproc ")
                .append(nproc)
                .append(", `uname -r` ")
                .append(kernel)
                .append('\n');
        md.append("- commit: ")
                .append(commit)
                .append(dirty ? " (with uncommitted changes)" : "")
                .append('\n');
        md.append(
                "- method: one Route applied per round (`POST /v1/apply`), on the nodes in turn, alternately new and changed;"
                        + " every node's `/v1/config/digest` polled every "
                        + options.pollMs()
                        + " ms; convergence = from just before the POST is sent to the"
                        + " first answer of the last node carrying the applying node's post-write digest; nearest-rank percentiles\n\n");
        table.forEach(l -> md.append(l).append('\n'));
        md.append('\n')
                .append(replicating)
                .append("\n\n")
                .append(cpu)
                .append("\n\n")
                .append("Goal p99 < 300 ms: ")
                .append(goal)
                .append("\n\n");
        md.append(
                "## Rounds\n\nper node: ms until each node (node-1 first) showed the new digest\n\n"
                        + "| round | node | op | route | status | POST ms | convergence ms | per node ms |\n|---:|---|---|---|---:|---:|---:|---|\n");
        for (Round r : rounds) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %s | %s | %s | %d | %.1f | %.1f | %s |%n",
                            r.index(),
                            r.writer(),
                            r.op(),
                            r.resource(),
                            r.status(),
                            r.postMs(),
                            r.convergenceMs(),
                            msList(r.nodeMs(), " ")));
        }
        Path mdFile = dir.resolve("convergence-" + stamp + ".md");
        Files.writeString(mdFile, md);

        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"benchmark\": \"convergence\",\n");
        json.append("  \"started-at\": ").append(quote(startedAt.toString())).append(",\n");
        json.append("  \"profile\": ").append(quote(options.profile())).append(",\n");
        json.append("  \"nodes\": ").append(options.nodes()).append(",\n");
        json.append("  \"rounds\": ").append(options.rounds()).append(",\n");
        json.append("  \"warmup-applies\": ").append(options.warmup()).append(",\n");
        json.append("  \"poll-interval-ms\": ").append(options.pollMs()).append(",\n");
        json.append("  \"machine\": {\"nproc\": ")
                .append(nproc.matches("\\d+") ? nproc : quote(nproc))
                .append(", \"kernel\": ")
                .append(quote(kernel))
                .append("},\n");
        json.append("  \"commit\": ").append(quote(commit)).append(",\n");
        json.append("  \"commit-dirty\": ").append(dirty).append(",\n");
        json.append("  \"convergence-ms\": ").append(conv.json()).append(",\n");
        json.append("  \"post-ms\": ").append(post.json()).append(",\n");
        json.append("  \"writer-own-digest-ms\": ").append(own.json()).append(",\n");
        json.append("  \"post-202\": ").append(accepted).append(",\n");
        json.append("  \"cpu-busy-while-measuring\": ")
                .append(cpuBusy < 0 ? "null" : String.format(Locale.ROOT, "%.2f", cpuBusy))
                .append(",\n");
        json.append("  \"goal-p99-ms\": ").append((int) GOAL_P99_MS).append(",\n");
        json.append("  \"goal-met\": ").append(conv.p99() < GOAL_P99_MS).append(",\n");
        json.append("  \"per-round\": [\n");
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            json.append(
                    String.format(
                            Locale.ROOT,
                            "    {\"round\": %d, \"node\": %s, \"op\": %s, \"route\": %s, \"status\": %d, \"post-ms\": %.1f, \"convergence-ms\": %.1f, \"nodes-ms\": [%s]}%s%n",
                            r.index(),
                            quote(r.writer()),
                            quote(r.op()),
                            quote(r.resource()),
                            r.status(),
                            r.postMs(),
                            r.convergenceMs(),
                            msList(r.nodeMs(), ", "),
                            i + 1 < rounds.size() ? "," : ""));
        }
        json.append("  ]\n}\n");
        Files.writeString(dir.resolve("convergence-latest.json"), json);
        System.out.println();
        System.out.println(
                "wrote "
                        + root.relativize(mdFile)
                        + " and "
                        + root.relativize(dir.resolve("convergence-latest.json")));
    }

    private static String msList(double[] values, String separator) {
        List<String> out = new ArrayList<>();
        for (double v : values) {
            out.add(String.format(Locale.ROOT, "%.1f", v));
        }
        return String.join(separator, out);
    }

    /** The machine's CPU time counters (first line of /proc/stat), or null where there is none. */
    static long[] cpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long[] t = new long[f.length - 1];
            for (int i = 1; i < f.length; i++) {
                t[i - 1] = Long.parseLong(f[i]);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Share of CPU time not idle (idle and iowait are fields 4 and 5) between two samples; -1 if
     * unknown.
     */
    static double cpuBusy(long[] before, long[] after) {
        if (before == null || after == null || before.length < 5 || after.length != before.length) {
            return -1;
        }
        long total = 0;
        // user nice system idle iowait irq softirq steal (guest time is already counted in user)
        for (int i = 0; i < Math.min(8, before.length); i++) {
            total += after[i] - before[i];
        }
        long idle = (after[3] - before[3]) + (after[4] - before[4]);
        return total <= 0 ? -1 : 1.0 - (double) idle / total;
    }

    /** Runs a short command; its trimmed standard output, or "unknown". */
    private String command(String... command) {
        try {
            Process p =
                    new ProcessBuilder(command)
                            .redirectErrorStream(false)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return "unknown";
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** A JSON (and HOCON) string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
