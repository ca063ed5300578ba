package io.rhizome.mesh.bench.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rhizome nodes started through {@code bin/mesh-node} with generated files, and their admin API.
 */
final class MeshNodes {
    static final String SERVICE = "bench";

    /** The identity of a node that fronts no service (node A, the caller's sidecar) under TLS. */
    static final String CLIENT_IDENTITY = "bench-client";

    private static final ConfigParseOptions JSON =
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON);

    /** One started node. */
    record Node(
            String name,
            int clusterPort,
            int adminPort,
            int outboundPort,
            int inboundPort,
            Proc proc,
            long startedNanos) {
        String admin() {
            return "http://127.0.0.1:" + adminPort;
        }
    }

    private final Path root;
    private final Path dir;
    private final Variant variant;
    private final String javaOpts;
    private final Pki pki;
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(1))
                    .build();
    private final List<Node> started = new ArrayList<>();

    MeshNodes(Path root, Path dir, Variant variant, String javaOpts, Pki pki) {
        this.pki = pki;
        this.root = root;
        this.dir = dir;
        this.variant = variant;
        this.javaOpts = javaOpts;
    }

    /**
     * Starts a node pinned to {@code cpus}. {@code upstream}: the address of its one local instance
     * of the service {@code bench}, or null for a node that fronts nothing.
     */
    Node start(String name, String cpus, List<Integer> seedPorts, String upstream)
            throws IOException {
        return start(name, cpus, seedPorts, upstream, "");
    }

    /**
     * As above; {@code moreServices}: further entries of {@code services} (HOCON objects, comma
     * separated).
     */
    Node start(
            String name, String cpus, List<Integer> seedPorts, String upstream, String moreServices)
            throws IOException {
        return start(name, cpus, seedPorts, upstream, moreServices, "");
    }

    /** As above; {@code extra}: more lines of the node's {@code rhizome} block (HOCON). */
    Node start(
            String name,
            String cpus,
            List<Integer> seedPorts,
            String upstream,
            String moreServices,
            String extra)
            throws IOException {
        int[] ports = Ports.free(4);
        StringBuilder seeds = new StringBuilder();
        List<Integer> seedList = seedPorts.isEmpty() ? List.of(ports[0]) : seedPorts;
        for (int p : seedList) {
            seeds.append(seeds.length() == 0 ? "" : ", ")
                    .append("\"127.0.0.1:")
                    .append(p)
                    .append('"');
        }
        String services =
                upstream == null
                        ? "[]"
                        : "[ { name = "
                                + SERVICE
                                + ", address = \""
                                + upstream
                                + "\" }"
                                + (moreServices.isEmpty() ? "" : ", " + moreServices)
                                + " ]";
        String conf =
                """
                rhizome {
                  node.name = "%s"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = [%s] }
                  admin { host = "127.0.0.1", port = %d }
                  outbound { host = "127.0.0.1", port = %d }
                  inbound { host = "127.0.0.1", port = %d }
                  data-dir = "%s"
                  services = %s
                  shutdown { drain-delay = 0s, drain-timeout = 2s }
                  %s
                  %s
                }
                """
                        .formatted(
                                name,
                                ports[0],
                                seeds,
                                ports[1],
                                ports[2],
                                ports[3],
                                dir.resolve("data-" + name),
                                services,
                                variant.rhizomeExtra(
                                        pki, upstream == null ? CLIENT_IDENTITY : SERVICE),
                                extra);
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, conf);
        long t0 = System.nanoTime();
        Proc proc =
                Proc.start(
                        name,
                        cpus,
                        List.of(
                                root.resolve("bin/mesh-node").toString(),
                                "--config",
                                file.toString()),
                        dir.resolve(name + ".log"),
                        javaOpts.isBlank() ? Map.of() : Map.of("JAVA_OPTS", javaOpts),
                        root);
        Node node = new Node(name, ports[0], ports[1], ports[2], ports[3], proc, t0);
        started.add(node);
        return node;
    }

    /** Waits for /readyz 200; the nanoTime it was first seen. Polls every 5 ms. */
    long awaitReady(Node node, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.proc().alive()) {
                throw new BenchFailure(node.name() + " exited: " + node.proc().logTail());
            }
            try {
                HttpResponse<Void> r =
                        http.send(
                                HttpRequest.newBuilder(URI.create(node.admin() + "/readyz"))
                                        .timeout(Duration.ofSeconds(1))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return System.nanoTime();
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new BenchFailure(
                node.name()
                        + " not ready within "
                        + timeout.toSeconds()
                        + " s: "
                        + node.proc().logTail());
    }

    /** The number of members that {@code node} lists Up and reachable. */
    int membersUp(Node node) {
        try {
            Config c = ConfigFactory.parseString(get(node, "/v1/members"), JSON);
            int up = 0;
            for (Config m : c.getConfigList("members")) {
                if (m.getString("status").equals("Up") && m.getBoolean("reachable")) {
                    up++;
                }
            }
            return up;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Endpoints of {@code bench} as {@code node} sees them: node name → reason ("" when routable).
     */
    Map<String, String> endpoints(Node node) throws IOException {
        Config c =
                ConfigFactory.parseString(
                        get(node, "/v1/services/" + SERVICE + "/endpoints"), JSON);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Config e : c.getConfigList("endpoints")) {
            out.put(
                    e.getString("node"),
                    e.getBoolean("routable")
                            ? ""
                            : e.hasPath("reason") ? e.getString("reason") : "?");
        }
        return out;
    }

    private String get(Node node, String path) throws IOException {
        try {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(node.admin() + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + path + " on " + node.name() + ": " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /**
     * Applies {@code resources} (HOCON, the {@code meshctl apply -f} shape) as one batch through
     * {@code via}'s admin API ({@code POST /v1/apply}, as JSON), then waits until {@code GET
     * /v1/check} says converged (equal digests on every member) and every node in {@code all} holds
     * {@code count} resources. Returns the apply answer.
     */
    String apply(Node via, List<Node> all, String resources, int count, Duration timeout)
            throws IOException, InterruptedException {
        String json =
                ConfigFactory.parseString(resources).root().render(ConfigRenderOptions.concise());
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(via.admin() + "/v1/apply"))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new BenchFailure(
                    "POST /v1/apply refused the variant's resources: "
                            + r.statusCode()
                            + " "
                            + r.body());
        }
        String last = "";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all3 = true;
            for (Node n : all) {
                try {
                    all3 &=
                            ConfigFactory.parseString(get(n, "/v1/config/digest"), JSON)
                                            .getInt("resources")
                                    == count;
                } catch (IOException | RuntimeException e) {
                    all3 = false;
                }
            }
            try {
                last = get(via, "/v1/check");
                if (all3 && ConfigFactory.parseString(last, JSON).getBoolean("converged")) {
                    return r.body().strip().replaceAll("\\s+", " ");
                }
            } catch (IOException | RuntimeException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new BenchFailure(
                "the variant's resources did not converge within "
                        + timeout.toSeconds()
                        + " s: "
                        + last);
    }

    /** Stops every node still running (SIGTERM, SIGKILL after 10 s). */
    void stopAll() {
        for (Node n : started) {
            n.proc().process().destroy();
        }
        for (Node n : started) {
            n.proc().stop(10);
        }
        started.clear();
    }
}
