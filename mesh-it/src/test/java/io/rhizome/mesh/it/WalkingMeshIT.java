package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three node JVMs and two instances of the example service, started through the same launchers a
 * user runs, share one cluster across these cases. Destructive cases (SIGTERM, kill -9) run last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingMeshIT {
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[4];
    private final Processes.Started[] nodes = new Processes.Started[4];
    private final java.nio.file.Path[] configs = new java.nio.file.Path[4];
    private Processes.Started echoV1;
    private Processes.Started echoV2;
    private int echoV1Port;
    private int echoV2Port;
    private HttpClient viaNode3;

    @BeforeAll
    void startMesh() throws Exception {
        echoV1Port = FreePorts.next();
        echoV2Port = FreePorts.next();
        echoV1 = Processes.echo("echo-v1", echoV1Port);
        echoV2 = Processes.echo("echo-v2", echoV2Port);
        for (int n = 1; n <= 3; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        List<String> seeds =
                List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        int closed = FreePorts.next(); // nothing listens here
        configs[1] =
                TestMesh.writeConfig(
                        "node-1",
                        ports[1],
                        seeds,
                        """
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v1 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """
                                .formatted(echoV1Port));
        configs[2] =
                TestMesh.writeConfig(
                        "node-2",
                        ports[2],
                        seeds,
                        """
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v2 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } }
                             { name = refusing, address = "127.0.0.1:%d", health-check { protocol = none } } ]
                """
                                .formatted(echoV2Port, closed));
        configs[3] =
                TestMesh.writeConfig(
                        "node-3",
                        ports[3],
                        seeds,
                        """
                services = [ { name = down, address = "127.0.0.1:%d", health-check { protocol = tcp, interval = 500ms } } ]
                outbound.egress = deny
                """
                                .formatted(closed));
        for (int n = 1; n <= 3; n++) {
            nodes[n] = Processes.node("node-" + n, configs[n]);
        }
        for (int n = 1; n <= 3; n++) {
            awaitReady(n, Duration.ofSeconds(60));
        }
        viaNode3 =
                HttpClient.newBuilder()
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", ports[3].outbound())))
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
        // Every node sees both echo instances before the cases start.
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Eventually.until(
                    "node-" + n + " sees 2 routable echo endpoints",
                    Duration.ofSeconds(30),
                    () -> routableCount(node, "echo") == 2);
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

    private void awaitReady(int n, Duration timeout) throws InterruptedException {
        Eventually.until(
                "node-" + n + " /readyz 200",
                timeout,
                () -> {
                    if (!nodes[n].process().isAlive()) {
                        throw new AssertionError("node-" + n + " exited:\n" + nodes[n].tail());
                    }
                    return TestMesh.status("http://" + ports[n].adminAddress() + "/readyz") == 200;
                });
    }

    private long routableCount(int node, String service) {
        try {
            String body =
                    TestMesh.get(
                                    "http://"
                                            + ports[node].adminAddress()
                                            + "/v1/services/"
                                            + service
                                            + "/endpoints")
                            .body();
            return endpoints(body).stream()
                    .filter(e -> Boolean.TRUE.equals(e.get("routable")))
                    .count();
        } catch (Exception e) {
            return -1;
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> endpoints(String body) {
        return (List<Map<String, Object>>) TestMesh.json(body).get("endpoints");
    }

    private HttpResponse<String> viaProxy(String url) throws IOException, InterruptedException {
        return viaNode3.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String instance(HttpResponse<String> r) {
        return r.headers().firstValue("x-echo-instance").orElse("?");
    }

    // ------------------------------------------------------------------ members, services,
    // endpoints

    @Test
    @Order(1)
    void meshctlMembersShowsEveryNodeWithItsServicesVersionAndUptime() throws Exception {
        // Versions and uptimes come from the members themselves, once the receptionist has gossiped
        // them.
        Eventually.until(
                "every member reports its version",
                Duration.ofSeconds(15),
                () -> {
                    try {
                        return !TestMesh.get("http://" + ports[3].adminAddress() + "/v1/members")
                                .body()
                                .contains("\"unknown\"");
                    } catch (Exception e) {
                        return false;
                    }
                });
        Processes.Result json =
                Processes.meshctl("--node", ports[3].adminAddress(), "members", "-o", "json");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> members =
                (List<Map<String, Object>>) TestMesh.json(json.stdout()).get("members");
        assertThat(members)
                .extracting(m -> m.get("name"))
                .containsExactly("node-1", "node-2", "node-3");
        assertThat(members)
                .allSatisfy(
                        m -> {
                            assertThat(m.get("status")).isEqualTo("Up");
                            assertThat(m.get("reachable")).isEqualTo(true);
                            assertThat((String) m.get("version"))
                                    .isNotEqualTo("unknown")
                                    .isNotBlank();
                            assertThat((Long) m.get("uptime-seconds")).isGreaterThanOrEqualTo(0L);
                        });
        assertThat(members.get(0).get("services")).isEqualTo(List.of("echo"));
        assertThat(members.get(1).get("services")).isEqualTo(List.of("echo", "refusing"));

        Processes.Result table = Processes.meshctl("--node", ports[1].adminAddress(), "members");
        assertThat(table.exitCode()).isZero();
        assertThat(table.stdout())
                .contains("NAME")
                .contains("node-2")
                .contains("Up")
                .contains("echo, refusing".replace(", ", ","));

        long rss = nodes[3].rssKib();
        System.out.printf("FIGURE idle node RSS: %d MiB%n", rss / 1024);
    }

    @Test
    @Order(2)
    void meshctlReportsAnUnreachableNodeAndAnUnknownServiceInOneLine() throws Exception {
        int closed = FreePorts.next();
        Processes.Result unreachable =
                Processes.meshctl("--node", "127.0.0.1:" + closed, "members");
        assertThat(unreachable.exitCode()).isEqualTo(3);
        assertThat(unreachable.stderr().strip().lines()).hasSize(1);
        assertThat(unreachable.stderr()).contains("cannot reach node");

        Processes.Result unknown =
                Processes.meshctl("--node", ports[2].adminAddress(), "endpoints", "nosuch");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr().strip().lines()).hasSize(1);
        assertThat(unknown.stderr()).contains("nosuch");

        Processes.Result services =
                Processes.meshctl("--node", ports[2].adminAddress(), "services", "-o", "json");
        assertThat(services.exitCode()).isZero();
        assertThat(services.stdout())
                .contains("\"echo\"")
                .contains("\"down\"")
                .contains("\"refusing\"");
    }

    @Test
    @Order(3)
    void endpointsSayWhetherAndWhyTrafficGoesThere() throws Exception {
        var echo =
                endpoints(
                        TestMesh.get(
                                        "http://"
                                                + ports[3].adminAddress()
                                                + "/v1/services/echo/endpoints")
                                .body());
        assertThat(echo)
                .hasSize(2)
                .allSatisfy(
                        e -> {
                            assertThat(e.get("status")).isEqualTo("SERVING");
                            assertThat(e.get("routable")).isEqualTo(true);
                            assertThat(e.get("reason")).isEqualTo("");
                        });
        assertThat(echo)
                .extracting(e -> e.get("node"))
                .containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(echo)
                .extracting(e -> e.get("inbound"))
                .containsExactlyInAnyOrder(
                        "127.0.0.1:" + ports[1].inbound(), "127.0.0.1:" + ports[2].inbound());

        Eventually.until(
                "the down service is seen NOT_SERVING by node-1",
                Duration.ofSeconds(10),
                () -> {
                    try {
                        var down =
                                endpoints(
                                        TestMesh.get(
                                                        "http://"
                                                                + ports[1].adminAddress()
                                                                + "/v1/services/down/endpoints")
                                                .body());
                        return down.size() == 1
                                && down.get(0).get("status").equals("NOT_SERVING")
                                && down.get(0).get("routable").equals(false)
                                && down.get(0).get("reason").equals("not-serving");
                    } catch (Exception e) {
                        return false;
                    }
                });
        Processes.Result table =
                Processes.meshctl("--node", ports[1].adminAddress(), "endpoints", "down");
        assertThat(table.exitCode()).isZero();
        assertThat(table.stdout()).contains("NOT_SERVING").contains("not-serving");
    }

    @Test
    @Order(4)
    void healthAndReadinessEndpointsAnswer() throws Exception {
        assertThat(TestMesh.status("http://" + ports[2].adminAddress() + "/healthz"))
                .isEqualTo(200);
        var ready = TestMesh.get("http://" + ports[2].adminAddress() + "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"member-status\": \"Up\"");
    }

    // ------------------------------------------------------------------ the request path

    @Test
    @Order(10)
    void bothClientFormsReachEveryInstanceInTurn() throws Exception {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = viaProxy("http://echo/path?i=" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            seen.add(instance(r));
        }
        assertThat(new HashSet<>(seen)).containsExactlyInAnyOrder("echo-v1", "echo-v2");
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("round robin alternates").isNotEqualTo(seen.get(i - 1));
        }
        // Host-header form, and the mesh suffix, from node-1 (one instance local, one remote).
        Set<String> hostForm = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            try (Socket s = new Socket("127.0.0.1", ports[1].outbound())) {
                String host = i % 2 == 0 ? "echo" : "echo.mesh";
                String response =
                        rawExchange(
                                s,
                                "GET /hostform HTTP/1.1\r\nHost: "
                                        + host
                                        + "\r\nConnection: close\r\n\r\n");
                assertThat(response).startsWith("HTTP/1.1 200");
                hostForm.add(response.replaceAll("(?s).*\"instance\": \"([^\"]+)\".*", "$1"));
            }
        }
        assertThat(hostForm).containsExactlyInAnyOrder("echo-v1", "echo-v2");
    }

    @Test
    @Order(11)
    void methodPathQueryHeadersAndBodyPassButHopByHopHeadersDoNot() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports[3].outbound())) {
            String body = "hello mesh";
            String response =
                    rawExchange(
                            s,
                            "POST http://echo/orders/42?sort=desc&x=%20y HTTP/1.1\r\n"
                                    + "Host: ignored-for-absolute-form\r\n"
                                    + "X-Custom: kept\r\n"
                                    + "Connection: close, X-Hop\r\n"
                                    + "X-Hop: dropped\r\n"
                                    + "Keep-Alive: timeout=5\r\n"
                                    + "Proxy-Authorization: Basic c2VjcmV0\r\n"
                                    + "Content-Length: "
                                    + body.length()
                                    + "\r\n\r\n"
                                    + body);
            assertThat(response).startsWith("HTTP/1.1 200");
            Map<String, Object> echo =
                    TestMesh.json(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(echo.get("method")).isEqualTo("POST");
            assertThat(echo.get("path")).isEqualTo("/orders/42");
            assertThat(echo.get("query")).isEqualTo("sort=desc&x=%20y");
            assertThat(echo.get("body-bytes")).isEqualTo((long) body.length());
            Map<String, String> headers = TestMesh.headers(echo);
            assertThat(headers)
                    .containsEntry("x-custom", "kept")
                    .containsEntry("host", "echo")
                    .containsKey("x-forwarded-for")
                    .doesNotContainKeys("x-hop", "keep-alive", "proxy-authorization", "connection");
        }
    }

    @Test
    @Order(12)
    void twoHundredMegabytesStreamBothWaysThroughNodesWithA64MegabyteHeap() throws Exception {
        long size = 200L * 1024 * 1024;
        // Upload of unknown length (chunked) through node-3 and on to an instance behind another
        // node.
        HttpRequest upload =
                HttpRequest.newBuilder(URI.create("http://echo/upload"))
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ZeroStream(size)))
                        .build();
        HttpResponse<String> up = viaNode3.send(upload, HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(TestMesh.json(up.body()).get("body-bytes")).isEqualTo(size);

        HttpRequest download =
                HttpRequest.newBuilder(URI.create("http://echo/download?bytes=" + size))
                        .timeout(Duration.ofSeconds(120))
                        .build();
        HttpResponse<InputStream> down =
                viaNode3.send(download, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(down.statusCode()).isEqualTo(200);
        long count = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                count += n;
            }
        }
        assertThat(count).isEqualTo(size);
        // The launcher gives nodes -Xmx64m and exits on OutOfMemoryError: all alive means bodies
        // streamed.
        for (int n = 1; n <= 3; n++) {
            assertThat(nodes[n].process().isAlive()).as("node-" + n + " alive").isTrue();
        }
    }

    @Test
    @Order(13)
    void errorsSayWhatHappened() throws Exception {
        HttpResponse<String> unknown = viaProxy("http://nosuch/x");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("x-rhizome-error")).hasValue("unknown-service");
        assertThat(unknown.body().strip().lines()).hasSize(1);

        HttpResponse<String> down = viaProxy("http://down/x");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.headers().firstValue("x-rhizome-error")).hasValue("no-healthy-endpoint");

        HttpResponse<String> refusing = viaProxy("http://refusing/x");
        assertThat(refusing.statusCode()).isEqualTo(502);
        assertThat(refusing.headers().firstValue("x-rhizome-error"))
                .hasValue("upstream-connect-failure");
        assertThat(refusing.body()).contains("refusing");

        // node-3 has egress = deny; node-1 allows it, CONNECT tunnels included.
        HttpResponse<String> denied = viaProxy("http://127.0.0.1:" + echoV1Port + "/x");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("x-rhizome-error")).hasValue("egress-denied");
        try (Socket s = new Socket("127.0.0.1", ports[3].outbound())) {
            assertThat(
                            rawExchange(
                                    s,
                                    "CONNECT 127.0.0.1:"
                                            + echoV1Port
                                            + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                    .startsWith("HTTP/1.1 403")
                    .contains("egress-denied");
        }
        HttpClient viaNode1 =
                HttpClient.newBuilder()
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", ports[1].outbound())))
                        .build();
        HttpResponse<String> egress =
                viaNode1.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + echoV2Port + "/egress"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(egress.statusCode()).isEqualTo(200);
        assertThat(instance(egress)).isEqualTo("echo-v2");
        try (Socket s = new Socket("127.0.0.1", ports[1].outbound())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("CONNECT 127.0.0.1:" + echoV2Port + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String established = readHead(s.getInputStream());
            assertThat(established).startsWith("HTTP/1.1 200");
            String tunnelled =
                    rawExchange(
                            s,
                            "GET /through-tunnel HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(tunnelled).startsWith("HTTP/1.1 200").contains("/through-tunnel");
        }
    }

    @Test
    @Order(14)
    void malformedRequestsGetA4xxOnEveryPortAndNothingCrashes() throws Exception {
        int[] httpPorts = {ports[1].outbound(), ports[1].inbound(), ports[1].admin()};
        for (int port : httpPorts) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                assertThat(rawExchange(s, "GET / HTTP/1.1\r\nHost: echo\r\nNo-Colon-Here\r\n\r\n"))
                        .as("port " + port)
                        .matches("(?s)HTTP/1\\.1 4\\d\\d.*");
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                String huge =
                        "GET / HTTP/1.1\r\nHost: echo\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n";
                assertThat(rawExchange(s, huge))
                        .as("port " + port)
                        .matches("(?s)HTTP/1\\.1 4\\d\\d.*");
            }
        }
        assertThat(TestMesh.status("http://" + ports[1].adminAddress() + "/healthz"))
                .isEqualTo(200);
        assertThat(viaProxy("http://echo/still-fine").statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ policy: Routes applied on
    // any node

    private static final String CANARY =
            """
            # echo: requests with x-canary: 1 go to v2; the rest split 90/10 between v1 and v2
            resources = [
              { kind = Route, name = echo-canary, spec {
                  service = echo
                  rules = [
                    { match { headers { x-canary = "1" } }, backends = [ { subset { version = v2 } } ] }
                    { backends = [ { subset { version = v1 }, weight = 90 }, { subset { version = v2 }, weight = 10 } ] }
                  ] } }
            ]
            """;

    private java.util.Set<String> digests() throws Exception {
        java.util.Set<String> out = new HashSet<>();
        for (int n = 1; n <= 3; n++) {
            if (nodes[n].process().isAlive()) {
                String body =
                        TestMesh.get("http://" + ports[n].adminAddress() + "/v1/config/digest")
                                .body();
                out.add((String) TestMesh.json(body).get("digest"));
            }
        }
        return out;
    }

    @Test
    @Order(15)
    void aRouteAppliedOnOneNodeSplitsTrafficThroughAnotherByWeightAndHeader() throws Exception {
        java.nio.file.Path file = Processes.WORK.resolve("echo-canary.conf");
        java.nio.file.Files.writeString(file, CANARY);
        Processes.Result applied =
                Processes.meshctl(
                        "--node", ports[2].adminAddress(), "apply", "-f", file.toString());
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(applied.stdout().strip()).matches("echo-canary\\s+created\\s+seen by 3/3 nodes");
        Eventually.until(
                "equal digests on every node",
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return digests().size() == 1;
                    } catch (Exception e) {
                        return false;
                    }
                });
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < 2000; i++) {
            counts.merge(instance(viaProxy("http://echo/split")), 1, Integer::sum);
        }
        double v2 = counts.getOrDefault("echo-v2", 0) / 2000.0;
        System.out.printf("FIGURE 90/10 split over 2000 requests: v2 share %.3f%n", v2);
        assertThat(v2).isBetween(0.07, 0.13);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r =
                    viaNode3.send(
                            HttpRequest.newBuilder(URI.create("http://echo/canary"))
                                    .header("x-canary", "1")
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(instance(r)).isEqualTo("echo-v2");
        }
        Processes.Result check = Processes.meshctl("--node", ports[1].adminAddress(), "check");
        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
    }

    @Test
    @Order(16)
    void whatGetPrintsAppliesBackUnchangedAndABadFileChangesNothing() throws Exception {
        Processes.Result json =
                Processes.meshctl(
                        "--node",
                        ports[3].adminAddress(),
                        "get",
                        "route",
                        "echo-canary",
                        "-o",
                        "json");
        assertThat(json.exitCode()).isZero();
        java.nio.file.Path printed = Processes.WORK.resolve("echo-canary.json");
        java.nio.file.Files.writeString(printed, json.stdout());
        Processes.Result again =
                Processes.meshctl(
                        "--node", ports[1].adminAddress(), "apply", "-f", printed.toString());
        assertThat(again.exitCode()).isZero();
        assertThat(again.stdout()).contains("unchanged");

        java.util.Set<String> before = digests();
        java.nio.file.Path bad = Processes.WORK.resolve("bad.conf");
        java.nio.file.Files.writeString(bad, CANARY.replace("weight = 10", "weight = -5"));
        Processes.Result refused =
                Processes.meshctl("--node", ports[2].adminAddress(), "apply", "-f", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr().strip().lines()).hasSize(1);
        assertThat(refused.stderr())
                .contains("resources[0].spec.rules[1].backends[1].weight: -5 (expected: 0..1000)");
        assertThat(digests()).isEqualTo(before).hasSize(1);
    }

    // ------------------------------------------------------------------ failures (destructive,
    // last)

    /** Steady concurrent GETs through node-3; counts failures. */
    private final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Map<String, Long> lastSeenAt = new ConcurrentHashMap<>();
        final List<Thread> threads = new ArrayList<>();

        Load(int concurrency) {
            for (int i = 0; i < concurrency; i++) {
                Thread t =
                        new Thread(
                                () -> {
                                    while (running.get()) {
                                        try {
                                            HttpResponse<String> r = viaProxy("http://echo/load");
                                            if (r.statusCode() == 200) {
                                                ok.incrementAndGet();
                                                lastSeenAt.put(instance(r), System.nanoTime());
                                            } else {
                                                failures.add(
                                                        r.statusCode() + " " + r.body().strip());
                                            }
                                        } catch (Exception e) {
                                            failures.add(e.toString());
                                        }
                                    }
                                });
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }
    }

    @Test
    @Order(20)
    void sigtermDrainsWithoutAFailedRequestAndTheNodeRejoinsWhenRestarted() throws Exception {
        try (Load load = new Load(4)) {
            Eventually.until("load flowing", Duration.ofSeconds(10), () -> load.ok.get() > 50);
            nodes[1].sigterm();
            int exit = nodes[1].awaitExit(Duration.ofSeconds(40));
            assertThat(exit).as("exit code after SIGTERM").isIn(0, 143);
            int before = load.ok.get();
            Eventually.until(
                    "requests keep succeeding after node-1 left",
                    Duration.ofSeconds(10),
                    () -> load.ok.get() > before + 50);
            load.close();
            assertThat(load.failures).as("failed requests during drain").isEmpty();
        }
        assertThat(nodes[1].logText()).contains("draining").contains("node node-1 stopped");
        Eventually.until(
                "node-1 leaves the member list",
                Duration.ofSeconds(20),
                () -> {
                    try {
                        return !TestMesh.get("http://" + ports[3].adminAddress() + "/v1/members")
                                .body()
                                .contains("\"node-1\"");
                    } catch (Exception e) {
                        return false;
                    }
                });

        long start = System.nanoTime();
        nodes[1] = Processes.node("node-1-restarted", configs[1]);
        awaitReady(1, Duration.ofSeconds(30));
        System.out.printf(
                "FIGURE start to /readyz 200, node joining a running cluster: %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        Eventually.until(
                "node-3 routes to node-1 again",
                Duration.ofSeconds(20),
                () -> routableCount(3, "echo") == 2);
    }

    @Test
    @Order(21)
    void killNineLosesNoRequestAndTheDeadEndpointLeavesLoadBalancingWithinTenSeconds()
            throws Exception {
        try (Load load = new Load(4)) {
            Eventually.until(
                    "load reaches both instances",
                    Duration.ofSeconds(10),
                    () ->
                            load.lastSeenAt.containsKey("echo-v1")
                                    && load.lastSeenAt.containsKey("echo-v2"));
            long killedAt = System.nanoTime();
            nodes[2].sigkill();
            Eventually.until(
                    "node-2's echo endpoint leaves load balancing",
                    Duration.ofSeconds(10),
                    () -> routableCount(3, "echo") == 1);
            long leftMs = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf(
                    "FIGURE kill -9 to dead endpoint out of load balancing on node-3: %d ms%n",
                    leftMs);
            Eventually.until(
                    "node-3's failure detector marks node-2 unreachable",
                    Duration.ofSeconds(10),
                    () -> {
                        try {
                            String body =
                                    TestMesh.get(
                                                    "http://"
                                                            + ports[3].adminAddress()
                                                            + "/v1/services/echo/endpoints")
                                            .body();
                            return endpoints(body).stream()
                                            .noneMatch(e -> e.get("node").equals("node-2"))
                                    || endpoints(body).stream()
                                            .anyMatch(
                                                    e ->
                                                            e.get("node").equals("node-2")
                                                                    && e.get("reason")
                                                                            .equals(
                                                                                    "member-unreachable"));
                        } catch (Exception e) {
                            return false;
                        }
                    });
            System.out.printf(
                    "FIGURE kill -9 to node-2 unreachable (membership) on node-3: %d ms%n",
                    (System.nanoTime() - killedAt) / 1_000_000);
            int before = load.ok.get();
            Eventually.until(
                    "requests keep succeeding",
                    Duration.ofSeconds(10),
                    () -> load.ok.get() > before + 100);
            long lastToDead = load.lastSeenAt.getOrDefault("echo-v2", killedAt);
            System.out.printf(
                    "FIGURE kill -9 to last request answered by the dead instance: %d ms%n",
                    Math.max(0, (lastToDead - killedAt) / 1_000_000));
            load.close();
            assertThat(load.failures).as("failed requests after kill -9").isEmpty();
        }
        Eventually.until(
                "the Split Brain Resolver downs node-2 and the cluster heals",
                Duration.ofSeconds(30),
                () -> {
                    try {
                        return !TestMesh.get("http://" + ports[3].adminAddress() + "/v1/members")
                                .body()
                                .contains("\"node-2\"");
                    } catch (Exception e) {
                        return false;
                    }
                });
    }

    @Test
    @Order(30)
    void afterKillNineOfEveryNodeAllPolicyIsBackAndInForce() throws Exception {
        for (int n = 1; n <= 3; n++) {
            nodes[n].sigkill();
            nodes[n].process().waitFor();
        }
        for (int n = 1; n <= 3; n++) {
            nodes[n] = Processes.node("node-" + n + "-full-restart", configs[n]);
        }
        for (int n = 1; n <= 3; n++) {
            awaitReady(n, Duration.ofSeconds(60));
        }
        Eventually.until(
                "node-3 routes to both echo instances",
                Duration.ofSeconds(30),
                () -> routableCount(3, "echo") == 2);
        Processes.Result get = Processes.meshctl("--node", ports[3].adminAddress(), "get", "route");
        assertThat(get.exitCode()).isZero();
        assertThat(get.stdout()).contains("echo-canary");
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r =
                    viaNode3.send(
                            HttpRequest.newBuilder(URI.create("http://echo/after-restart"))
                                    .header("x-canary", "1")
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(instance(r))
                    .as("the route is in force after the restart")
                    .isEqualTo("echo-v2");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String rawExchange(Socket s, String request) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String head = readHead(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.ISO_8859_1);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return b.toString();
    }

    /** {@code size} zero bytes, produced as read. */
    private static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
