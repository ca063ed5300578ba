package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code meshctl stat}, {@code tap}, {@code top} and the {@code /ui} dashboard against a real
 * 3-node mesh started through the launchers: echo v1 behind node-1, v2 behind node-2, and node-3
 * (workload {@code web}) with no service of its own, as in the demo.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {
    private static final String TOKEN = "obs-admin-token-0123456789";
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[4];
    private final Processes.Started[] nodes = new Processes.Started[4];
    private Processes.Started echoV1;
    private Processes.Started echoV2;
    private HttpClient viaNode3;
    private HttpClient viaNode1;

    @BeforeAll
    void startMesh() throws Exception {
        int v1 = FreePorts.next();
        int v2 = FreePorts.next();
        echoV1 = Processes.echo("obs-echo-v1", v1);
        echoV2 = Processes.echo("obs-echo-v2", v2);
        for (int n = 1; n <= 3; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        List<String> seeds =
                List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        Path[] configs = new Path[4];
        configs[1] =
                TestMesh.writeConfig(
                        "obs-node-1",
                        ports[1],
                        seeds,
                        """
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v1 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """
                                .formatted(v1));
        // node-2's admin API is bound off loopback, so every read needs the token (the dashboard's
        // too).
        configs[2] =
                TestMesh.writeConfig(
                        "obs-node-2",
                        ports[2],
                        seeds,
                        """
                admin { host = "0.0.0.0", token = "%s" }
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v2 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """
                                .formatted(TOKEN, v2));
        configs[3] = TestMesh.writeConfig("obs-node-3", ports[3], seeds, "identity.service = web");
        for (int n = 1; n <= 3; n++) {
            nodes[n] = Processes.node("obs-node-" + n, configs[n]);
        }
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Eventually.until(
                    "obs-node-" + n + " ready",
                    Duration.ofSeconds(60),
                    () -> {
                        if (!nodes[node].process().isAlive()) {
                            throw new AssertionError(
                                    "obs-node-" + node + " exited:\n" + nodes[node].tail());
                        }
                        return TestMesh.status(admin(node) + "/readyz") == 200;
                    });
        }
        viaNode3 = proxyClient(3);
        viaNode1 = proxyClient(1);
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Eventually.until(
                    "obs-node-" + n + " routes to both echo instances and lists 3 stats members",
                    Duration.ofSeconds(30),
                    () ->
                            body(admin(node) + "/v1/services/echo/endpoints")
                                                    .split("\"routable\": true", -1)
                                                    .length
                                            == 3
                                    && body(admin(node) + "/v1/stat").contains("\"obs-node-3\""));
        }
    }

    @AfterAll
    void stopMesh() {
        for (Processes.Started p :
                new Processes.Started[] {nodes[1], nodes[2], nodes[3], echoV1, echoV2}) {
            if (p != null) {
                p.sigkill();
            }
        }
    }

    private HttpClient proxyClient(int n) {
        return HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", ports[n].outbound())))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    /** A GET with node-2's token (the other nodes need none and ignore it). */
    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return TestMesh.CLIENT.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The body of a GET; failures are unchecked (for conditions polled by Processes.await). */
    static String body(String url) {
        try {
            return get(url).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String admin(int n) {
        return "http://" + ports[n].adminAddress();
    }

    private static int call(HttpClient client, String path)
            throws IOException, InterruptedException {
        return client.send(
                        HttpRequest.newBuilder(URI.create("http://echo" + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> json, String key) {
        return (List<Map<String, Object>>) json.get(key);
    }

    private long echoRequests(String query) throws Exception {
        Map<String, Object> stat =
                TestMesh.json(get(admin(2) + "/v1/stat?service=echo" + query).body());
        return list(stat, "services").stream()
                .mapToLong(s -> ((Number) s.get("requests")).longValue())
                .sum();
    }

    @Test
    @Order(1)
    void statFromAnyNodeIsTheSumOfWhatEachNodeCounted() throws Exception {
        for (int i = 0; i < 30; i++) {
            assertThat(call(viaNode3, "/stat/" + i)).isEqualTo(200);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(call(viaNode1, "/stat/" + i)).isEqualTo(200);
        }

        long node1 = echoRequests("&node=obs-node-1");
        long node2 = echoRequests("&node=obs-node-2");
        long node3 = echoRequests("&node=obs-node-3");
        assertThat(node3).as("node-3's outbound port took 30").isEqualTo(30);
        assertThat(node1).as("node-1's outbound port took 20").isEqualTo(20);
        assertThat(node2).isZero();
        assertThat(echoRequests("")).as("the mesh-wide figure").isEqualTo(node1 + node2 + node3);
        assertThat(echoRequests("&direction=inbound"))
                .as("each request also counted once where it arrived")
                .isEqualTo(50);

        Processes.Result json =
                Processes.meshctl("--node", ports[3].adminAddress(), "stat", "echo", "-o", "json");
        assertThat(json.exitCode()).isZero();
        Map<String, Object> stat = TestMesh.json(json.stdout());
        assertThat(stat.get("nodes")).isEqualTo(List.of("obs-node-1", "obs-node-2", "obs-node-3"));
        Map<String, Object> echo = list(stat, "services").get(0);
        assertThat(echo)
                .containsKeys(
                        "service", "requests", "rps", "success-rate", "p50-ms", "p95-ms", "p99-ms");
        assertThat(echo.get("requests")).isEqualTo(50L);
        assertThat(echo.get("success-rate").toString()).isIn("1", "1.0");

        Processes.Result table = Processes.meshctl("--node", ports[1].adminAddress(), "stat");
        assertThat(table.exitCode()).isZero();
        assertThat(table.stdout()).startsWith("SERVICE   REQUESTS   SUCCESS   RPS");
        assertThat(table.stdout()).containsPattern("echo\\s+50\\s+100.00%");
    }

    private void awaitNoTaps() throws InterruptedException {
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Eventually.until(
                    "obs-node-" + n + " serves no tap",
                    Duration.ofSeconds(10),
                    () -> activeTaps(node) == 0);
        }
    }

    private long activeTaps(int node) {
        return (Long) TestMesh.json(body(admin(node) + "/v1/taps")).get("active");
    }

    private Processes.Started meshctlInBackground(String name, String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = Processes.ROOT.resolve("bin/meshctl").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        return Processes.start(name, Map.of("MESH_TOKEN", TOKEN), command);
    }

    @Test
    @Order(2)
    void tapStreamsTheRequestsSentWhileItRunsAndEndsAfterMaxLeavingNoTapBehind() throws Exception {
        Processes.Started tap =
                meshctlInBackground(
                        "tap-max",
                        "--node",
                        ports[2].adminAddress(),
                        "tap",
                        "echo",
                        "--path-prefix",
                        "/tapped",
                        "--max",
                        "6",
                        "-o",
                        "json");
        Eventually.until(
                "the tap runs on every node",
                Duration.ofSeconds(15),
                () -> tap.logText().contains("tapping echo on 3/3 nodes"));
        assertThat(call(viaNode3, "/not-tapped")).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(call(viaNode3, "/tapped/" + i)).isEqualTo(200);
            assertThat(call(viaNode1, "/tapped/" + (10 + i))).isEqualTo(200);
        }

        assertThat(tap.awaitExit(Duration.ofSeconds(15))).as("exit code after --max").isZero();
        List<Map<String, Object>> lines =
                tap.logText().lines().filter(l -> l.startsWith("{")).map(TestMesh::json).toList();
        assertThat(lines)
                .extracting(l -> l.get("path"))
                .containsExactlyInAnyOrder(
                        "/tapped/0",
                        "/tapped/1",
                        "/tapped/2",
                        "/tapped/10",
                        "/tapped/11",
                        "/tapped/12");
        assertThat(lines)
                .allSatisfy(
                        l -> {
                            assertThat(l)
                                    .containsEntry("service", "echo")
                                    .containsEntry("method", "GET")
                                    .containsEntry("status", 200L)
                                    .containsEntry("direction", "outbound");
                            assertThat(l).containsKeys("latency-ms", "endpoint", "caller", "node");
                        });
        assertThat(lines)
                .filteredOn(l -> l.get("node").equals("obs-node-3"))
                .allSatisfy(l -> assertThat(l).containsEntry("caller", "web"))
                .hasSize(3);
        assertThat(tap.logText()).doesNotContain("x-forwarded-for", "user-agent");
        awaitNoTaps();
    }

    @Test
    @Order(3)
    void tapStopsCleanlyWhenInterrupted() throws Exception {
        Processes.Started tap =
                meshctlInBackground(
                        "tap-interrupted", "--node", ports[1].adminAddress(), "tap", "echo");
        Eventually.until(
                "the tap runs on every node",
                Duration.ofSeconds(15),
                () -> tap.logText().contains("tapping echo on 3/3 nodes"));
        for (int n = 1; n <= 3; n++) {
            assertThat(activeTaps(n)).as("taps on node " + n).isEqualTo(1);
        }
        assertThat(call(viaNode3, "/while-tapped")).isEqualTo(200);
        Eventually.until(
                "the request is printed",
                Duration.ofSeconds(10),
                () -> tap.logText().contains(" GET /while-tapped 200 "));

        tap.process().destroy(); // SIGTERM, as Ctrl-C ends the JVM
        tap.awaitExit(Duration.ofSeconds(10));
        awaitNoTaps();
    }

    @Test
    @Order(4)
    void topPrintsOneSnapshotOfTheBusiestPathsWhenNotATerminal() throws Exception {
        Processes.Started top =
                meshctlInBackground(
                        "top", "--node", ports[3].adminAddress(), "top", "--interval", "4s");
        Eventually.until(
                "top is tapping",
                Duration.ofSeconds(15),
                () -> activeTaps(1) == 1 && activeTaps(2) == 1 && activeTaps(3) == 1);
        for (int i = 0; i < 8; i++) {
            assertThat(call(viaNode3, "/busy")).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(call(viaNode1, "/quiet")).isEqualTo(200);
        }

        assertThat(top.awaitExit(Duration.ofSeconds(15))).isZero();
        List<String> out = top.logText().lines().toList();
        assertThat(out.get(0))
                .startsWith("SERVICE   METHOD   PATH")
                .contains("REQUESTS", "RPS", "SUCCESS", "P50", "P99");
        assertThat(out.get(1)).matches("echo\\s+GET\\s+/busy\\s+8\\s+.*100.00%.*");
        assertThat(out.get(2)).matches("echo\\s+GET\\s+/quiet\\s+3\\s+.*");
        awaitNoTaps();
    }

    /** Debian's chromium, installed with apt-get when missing (as .ci/run does). */
    private static String chromium() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            Processes.Result which =
                    Processes.run(List.of("sh", "-c", "command -v chromium"), Map.of());
            if (which.exitCode() == 0) {
                return which.stdout().strip();
            }
            Processes.run(
                    List.of(
                            "sh",
                            "-c",
                            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"),
                    Map.of());
        }
        throw new AssertionError(
                "chromium is not installed and apt-get could not install it (apt-get install -y chromium)");
    }

    /** The page's DOM after its scripts ran for a few (virtual) seconds, in headless Chromium. */
    private static String renderedDom(String chromium, String url) throws Exception {
        Processes.Result r =
                Processes.run(
                        List.of(
                                chromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--no-first-run",
                                "--virtual-time-budget=5000",
                                "--dump-dom",
                                url),
                        Map.of());
        assertThat(r.exitCode()).as("chromium: " + r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    @Order(5)
    void theDashboardShowsTheTrafficGraphMembersAndAResourceAppliedWithMeshctlOnEveryNode()
            throws Exception {
        String chromium = chromium();
        Path route = Processes.WORK.resolve("ui-route.conf");
        java.nio.file.Files.writeString(
                route,
                """
                { kind = Route, name = ui-split, spec { service = echo, rules = [
                    { backends = [ { subset { version = v1 }, weight = 50 }, { subset { version = v2 }, weight = 50 } ] } ] } }
                """);
        Processes.Result applied =
                Processes.meshctl(
                        "--node", ports[1].adminAddress(), "apply", "-f", route.toString());
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        for (int i = 0; i < 10; i++) {
            assertThat(call(viaNode3, "/ui/" + i)).isEqualTo(200);
        }

        // Off loopback node-2 answers reads only with its token: without one, the page asks for it.
        String locked = renderedDom(chromium, admin(2) + "/ui");
        assertThat(locked)
                .contains("<form id=\"login\">")
                .contains("this node requires a token (expected: Authorization: Bearer")
                .doesNotContain("data-member=")
                .doesNotContain(TOKEN);

        String[] dom = {""};
        Eventually.until(
                "the dashboard on node-2 shows web -> echo and ui-split on 3/3 nodes",
                Duration.ofSeconds(30),
                () -> {
                    try {
                        // The token in the fragment: never sent to the server, kept in the tab's
                        // sessionStorage.
                        dom[0] = renderedDom(chromium, admin(2) + "/ui#token=" + TOKEN);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return dom[0].contains("data-resource=\"Route/ui-split\"")
                            && dom[0].contains("3/3 nodes")
                            && dom[0].contains("data-from=\"web\"");
                });
        String page = dom[0];
        assertThat(page)
                .containsPattern("class=\"vertex\" data-name=\"echo\"")
                .containsPattern("class=\"vertex\" data-name=\"web\"")
                .containsPattern(
                        "class=\"edge\" data-from=\"web\" data-to=\"echo\"><line[^>]*></line><text[^>]*>[0-9.]+ rps · 100.00% · p99 [0-9.]+m?s</text>");
        assertThat(page)
                .containsPattern(
                        "<tr data-resource=\"Route/ui-split\"><td>Route</td><td>ui-split</td><td>[^<]+</td><td>[^<]+</td><td[^>]*>3/3 nodes</td></tr>");
        for (int n = 1; n <= 3; n++) {
            assertThat(page)
                    .containsPattern(
                            "<tr data-member=\"obs-node-"
                                    + n
                                    + "\"><td>obs-node-"
                                    + n
                                    + "</td><td[^>]*>Up</td>");
        }
        assertThat(page).containsPattern("<tr data-service=\"echo\"><td>echo</td>");
        assertThat(page).as("no external assets").doesNotContain("src=\"http", "href=\"http");
        assertThat(page)
                .as("the token is not written into the page")
                .doesNotContain(TOKEN)
                .contains("<form id=\"login\" hidden");

        Processes.meshctl("--node", ports[1].adminAddress(), "delete", "route", "ui-split");
    }
}
