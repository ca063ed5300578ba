package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

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
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[4];
    private final Processes.Started[] nodes = new Processes.Started[4];
    private Processes.Started echoV1;
    private Processes.Started echoV2;
    private HttpClient viaNode3;
    private HttpClient viaNode1;

    @BeforeAll
    void startMesh() throws Exception {
        int v1 = Processes.freePort();
        int v2 = Processes.freePort();
        echoV1 = Processes.echo("obs-echo-v1", v1);
        echoV2 = Processes.echo("obs-echo-v2", v2);
        for (int n = 1; n <= 3; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        List<String> seeds = List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        Path[] configs = new Path[4];
        configs[1] = TestMesh.writeConfig("obs-node-1", ports[1], seeds, """
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v1 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """.formatted(v1));
        configs[2] = TestMesh.writeConfig("obs-node-2", ports[2], seeds, """
                services = [ { name = echo, address = "127.0.0.1:%d", labels { version = v2 },
                               health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """.formatted(v2));
        configs[3] = TestMesh.writeConfig("obs-node-3", ports[3], seeds, "identity.service = web");
        for (int n = 1; n <= 3; n++) {
            nodes[n] = Processes.node("obs-node-" + n, configs[n]);
        }
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Processes.await("obs-node-" + n + " ready", Duration.ofSeconds(60), () -> {
                if (!nodes[node].process().isAlive()) {
                    throw new AssertionError("obs-node-" + node + " exited:\n" + nodes[node].tail());
                }
                return TestMesh.status(admin(node) + "/readyz") == 200;
            });
        }
        viaNode3 = proxyClient(3);
        viaNode1 = proxyClient(1);
        for (int n = 1; n <= 3; n++) {
            int node = n;
            Processes.await("obs-node-" + n + " routes to both echo instances and lists 3 stats members",
                    Duration.ofSeconds(30), () -> body(admin(node) + "/v1/services/echo/endpoints")
                            .split("\"routable\": true", -1).length == 3
                            && body(admin(node) + "/v1/stat").contains("\"obs-node-3\""));
        }
    }

    @AfterAll
    void stopMesh() {
        for (Processes.Started p : new Processes.Started[] {nodes[1], nodes[2], nodes[3], echoV1, echoV2}) {
            if (p != null) {
                p.sigkill();
            }
        }
    }

    private HttpClient proxyClient(int n) {
        return HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", ports[n].outbound())))
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** The body of a GET; failures are unchecked (for conditions polled by Processes.await). */
    static String body(String url) {
        try {
            return TestMesh.get(url).body();
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

    private static int call(HttpClient client, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://echo" + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> json, String key) {
        return (List<Map<String, Object>>) json.get(key);
    }

    private long echoRequests(String query) throws Exception {
        Map<String, Object> stat = TestMesh.json(TestMesh.get(admin(2) + "/v1/stat?service=echo" + query).body());
        return list(stat, "services").stream().mapToLong(s -> ((Number) s.get("requests")).longValue()).sum();
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
        assertThat(echoRequests("&direction=inbound")).as("each request also counted once where it arrived")
                .isEqualTo(50);

        Processes.Result json = Processes.meshctl("--node", ports[3].adminAddress(), "stat", "echo", "-o", "json");
        assertThat(json.exitCode()).isZero();
        Map<String, Object> stat = TestMesh.json(json.stdout());
        assertThat(stat.get("nodes")).isEqualTo(List.of("obs-node-1", "obs-node-2", "obs-node-3"));
        Map<String, Object> echo = list(stat, "services").get(0);
        assertThat(echo).containsKeys("service", "requests", "rps", "success-rate", "p50-ms", "p95-ms", "p99-ms");
        assertThat(echo.get("requests")).isEqualTo(50L);
        assertThat(echo.get("success-rate").toString()).isIn("1", "1.0");

        Processes.Result table = Processes.meshctl("--node", ports[1].adminAddress(), "stat");
        assertThat(table.exitCode()).isZero();
        assertThat(table.stdout()).startsWith("SERVICE   REQUESTS   SUCCESS   RPS");
        assertThat(table.stdout()).containsPattern("echo\\s+50\\s+100.00%");
    }
}
