package io.rhizome.mesh.node.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.RhizomeNode;
import io.rhizome.mesh.node.config.SettingsLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two whole nodes in one JVM: node-1 (the caller's sidecar, no service) and node-2 (fronting an
 * {@code echo} instance). Requests go app → node-1 outbound → node-2 inbound → echo, with real
 * sockets and a real HTTP client; what the nodes record is read where users read it: the admin
 * port's {@code /metrics}, the access log file, and the headers the instance receives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityNodesTest {
    private final RhizomeNode[] nodes = new RhizomeNode[2];
    private final int[] admin = new int[2];
    private final int[] outbound = new int[2];
    private HttpServer echo;
    /** The headers of each request the echo instance received, by path. */
    private final Map<String, ConcurrentLinkedQueue<Map<String, String>>> received = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().proxy(ProxySelector.of(null)).build();
    private final Map<Integer, HttpClient> proxies = new ConcurrentHashMap<>();
    private Path accessLog;

    @BeforeAll
    void start() throws Exception {
        echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        echo.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
            received.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new ConcurrentLinkedQueue<>()).add(headers);
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("echo " + exchange.getRequestURI().getPath() + "\n").getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().contains("fail") ? 500 : 200;
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        echo.start();
        accessLog = Files.createTempDirectory("rhizome-access").resolve("access.log");
        int[] cluster = {freePort(), freePort()};
        for (int i = 0; i < 2; i++) {
            admin[i] = freePort();
            outbound[i] = freePort();
            String services = i == 1
                    ? "services = [ { name = echo, address = \"127.0.0.1:" + echo.getAddress().getPort() + "\", health-check.protocol = none } ]"
                    : "";
            String log = i == 0 ? "access-log { enabled = on, target = \"" + accessLog + "\" }" : "";
            nodes[i] = RhizomeNode.start(SettingsLoader.fromConfig(ConfigFactory.parseString("""
                    rhizome {
                      node.name = "node-%d"
                      cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"], profile = fast }
                      admin.port = %d
                      outbound.port = %d
                      inbound.port = %d
                      data-dir = "%s"
                      shutdown { drain-delay = 0s, drain-timeout = 1s }
                      %s
                      %s
                    }
                    pekko.loglevel = WARNING
                    """.formatted(i + 1, cluster[i], cluster[0], admin[i], outbound[i], freePort(),
                    Files.createTempDirectory("rhizome-obs").toString(), services, log))));
        }
        HttpResponse<String> applied = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[1] + "/v1/apply"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"kind": "Route", "name": "echo-api", "spec": {"service": "echo",
                          "rules": [{"match": {"path-prefix": "/api"}}]}}
                        """)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(applied.statusCode()).as(applied.body()).isLessThan(300);
        eventually(() -> {
            assertThat(nodes[0].view().current().endpoints("echo")).hasSize(1);
            assertThat(nodes[0].policy().current().routes().hasRoutes("echo")).isTrue();
            assertThat(call(0, "echo", "/api/ready").statusCode()).isEqualTo(200);
        });
    }

    @AfterAll
    void stop() {
        for (RhizomeNode n : nodes) {
            if (n != null) {
                n.shutdown();
            }
        }
        if (echo != null) {
            echo.stop(0);
        }
    }

    @Test
    void metricsCountEveryRequestByDirectionServiceRouteAndCode() throws Exception {
        Map<String, Double> before0 = scrape(0);
        Map<String, Double> before1 = scrape(1);
        for (int i = 0; i < 5; i++) {
            assertThat(call(0, "echo", "/api/m" + i).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(call(0, "echo", "/api/fail").statusCode()).isEqualTo(500);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(call(0, "echo", "/elsewhere").statusCode()).isEqualTo(404); // no-route
        }
        for (int i = 0; i < 4; i++) {
            assertThat(call(0, "nosuch", "/").statusCode()).isEqualTo(404); // unknown-service
        }

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[0] + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        Map<String, Double> after0 = parse(response.body());
        Map<String, Double> delta0 = delta(before0, after0);
        String out = "direction=\"outbound\",service=\"echo\",route=\"echo-api\"";
        assertThat(delta0.get("rhizome_requests_total{" + out + ",code=\"200\"}")).isEqualTo(5);
        assertThat(delta0.get("rhizome_requests_total{" + out + ",code=\"500\"}")).isEqualTo(2);
        assertThat(delta0.get("rhizome_requests_total{direction=\"outbound\",service=\"echo\",route=\"\",code=\"404\"}")).isEqualTo(3);
        assertThat(delta0.get("rhizome_requests_total{direction=\"outbound\",service=\"\",route=\"\",code=\"404\"}")).isEqualTo(4);
        assertThat(delta0.get("rhizome_request_duration_seconds_count{" + out + "}")).isEqualTo(7);
        assertThat(delta0.get("rhizome_request_duration_seconds_bucket{" + out + ",le=\"+Inf\"}")).isEqualTo(7);
        assertThat(after0.get("rhizome_request_duration_seconds_bucket{" + out + ",le=\"0.0005\"}"))
                .isLessThanOrEqualTo(after0.get("rhizome_request_duration_seconds_bucket{" + out + ",le=\"10\"}"));
        assertThat(delta0.get("rhizome_response_bytes_total{" + out + "}"))
                .isEqualTo(5 * "echo /api/mN\n".length() + 2 * "echo /api/fail\n".length());
        assertThat(after0).containsEntry("rhizome_cluster_members{status=\"Up\"}", 2.0)
                .containsEntry("rhizome_cluster_unreachable_members", 0.0)
                .containsEntry("rhizome_ddata_entries{data=\"policy\",kind=\"Route\"}", 1.0)
                .containsEntry("rhizome_ddata_entries{data=\"registry\",kind=\"Endpoint\"}", 1.0)
                .containsKey("jvm_memory_bytes_used{area=\"heap\"}");
        assertThat(after0.get("rhizome_policy_last_change_age_seconds")).isGreaterThanOrEqualTo(0);
        assertThat(response.body()).doesNotContain("/api/m1").doesNotContain("/elsewhere"); // no paths as labels

        // node-2 saw the routed requests arrive on its inbound port, named by node-1's route.
        Map<String, Double> delta1 = delta(before1, scrape(1));
        String in = "direction=\"inbound\",service=\"echo\",route=\"echo-api\"";
        assertThat(delta1.get("rhizome_requests_total{" + in + ",code=\"200\"}")).isEqualTo(5);
        assertThat(delta1.get("rhizome_requests_total{" + in + ",code=\"500\"}")).isEqualTo(2);
    }

    // ------------------------------------------------------------------ fixtures

    /** A call by an app that uses its node's outbound port as its HTTP proxy ({@code HTTP_PROXY}). */
    private HttpResponse<String> call(int node, String host, String path, String... headers) {
        try {
            HttpClient viaNode = proxies.computeIfAbsent(node, n -> HttpClient.newBuilder()
                    .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outbound[n]))).build());
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + path));
            if (headers.length > 0) {
                b.headers(headers);
            }
            return viaNode.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private Map<String, Double> scrape(int node) throws Exception {
        return parse(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[node] + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{.*\\})?) (\\S+)$");

    /** Sample → value of an exposition, checking each line is a comment or a well-formed sample. */
    static Map<String, Double> parse(String exposition) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line: %s", line).isTrue();
            assertThat(out.put(m.group(1), Double.valueOf(m.group(2).replace("+Inf", "Infinity")))).as("duplicate %s", line).isNull();
        }
        return out;
    }

    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0.0)));
        return out;
    }

    private static void eventually(Runnable check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
