package io.rhizome.mesh.node.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.RhizomeNode;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two whole nodes in one JVM: node-1 (the caller's sidecar, no service) and node-2 (fronting an
 * {@code echo} instance). Requests go app → node-1 outbound → node-2 inbound → echo, with real
 * sockets and a real HTTP client; what the nodes record is read where users read it: the admin
 * port's {@code /metrics}, the access log file, and the headers the instance receives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow") // several seconds: real clusters or nodes
class ObservabilityNodesTest {
    private final RhizomeNode[] nodes = new RhizomeNode[2];
    private final int[] admin = new int[2];
    private final int[] outbound = new int[2];
    private HttpServer echo;

    /** The headers of each request the echo instance received, by path. */
    private final Map<String, ConcurrentLinkedQueue<Map<String, String>>> received =
            new ConcurrentHashMap<>();

    private final HttpClient http = HttpClient.newBuilder().proxy(ProxySelector.of(null)).build();
    private final Map<Integer, HttpClient> proxies = new ConcurrentHashMap<>();
    private Path accessLog;

    /** When the set-up's resources were applied (System.nanoTime). */
    private long appliedAtNanos;

    private HttpServer collector;

    /** Every span the fake OTLP collector received. */
    private final List<JsonObject> spans = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        echo.createContext(
                "/",
                exchange -> {
                    Map<String, String> headers = new TreeMap<>();
                    exchange.getRequestHeaders()
                            .forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
                    received.computeIfAbsent(
                                    exchange.getRequestURI().getPath(),
                                    k -> new ConcurrentLinkedQueue<>())
                            .add(headers);
                    exchange.getRequestBody().readAllBytes();
                    byte[] body =
                            ("echo " + exchange.getRequestURI().getPath() + "\n")
                                    .getBytes(StandardCharsets.UTF_8);
                    int status = exchange.getRequestURI().getPath().contains("fail") ? 500 : 200;
                    exchange.sendResponseHeaders(status, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        echo.start();
        accessLog = Files.createTempDirectory("rhizome-access").resolve("access.log");
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        collector.createContext(
                "/v1/traces",
                exchange -> {
                    JsonObject body =
                            JsonParser.parseString(
                                            new String(
                                                    exchange.getRequestBody().readAllBytes(),
                                                    StandardCharsets.UTF_8))
                                    .getAsJsonObject();
                    body.getAsJsonArray("resourceSpans")
                            .forEach(
                                    rs ->
                                            rs.getAsJsonObject()
                                                    .getAsJsonArray("scopeSpans")
                                                    .forEach(
                                                            ss ->
                                                                    ss.getAsJsonObject()
                                                                            .getAsJsonArray("spans")
                                                                            .forEach(
                                                                                    sp ->
                                                                                            spans
                                                                                                    .add(
                                                                                                            sp
                                                                                                                    .getAsJsonObject()))));
                    exchange.sendResponseHeaders(200, -1);
                    exchange.close();
                });
        collector.start();
        int[] cluster = {FreePorts.next(), FreePorts.next()};
        for (int i = 0; i < 2; i++) {
            admin[i] = FreePorts.next();
            outbound[i] = FreePorts.next();
            String services =
                    i == 1
                            ? "services = [ { name = echo, address = \"127.0.0.1:"
                                    + echo.getAddress().getPort()
                                    + "\", labels { version = v1 }, health-check.protocol = none },\n"
                                    + "{ name = gone, address = \"127.0.0.1:"
                                    + FreePorts.next()
                                    + "\", health-check.protocol = none } ]"
                            : "identity.service = web"; // node-1's app: the caller of its outbound
            // requests
            String log =
                    i == 0
                            ? "access-log { enabled = on, target = \""
                                    + accessLog
                                    + "\" }\n"
                                    + "tracing.otlp-endpoint = \"http://127.0.0.1:"
                                    + collector.getAddress().getPort()
                                    + "/v1/traces\""
                            : "";
            nodes[i] =
                    RhizomeNode.start(
                            SettingsLoader.fromConfig(
                                    ConfigFactory.parseString(
                                            """
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
                    """
                                                    .formatted(
                                                            i + 1,
                                                            cluster[i],
                                                            cluster[0],
                                                            admin[i],
                                                            outbound[i],
                                                            FreePorts.next(),
                                                            Files.createTempDirectory("rhizome-obs")
                                                                    .toString(),
                                                            services,
                                                            log))));
        }
        appliedAtNanos = System.nanoTime();
        HttpResponse<String> applied =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + admin[1] + "/v1/apply"))
                                .header("Content-Type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                """
                        {"resources": [
                          {"kind": "Route", "name": "echo-api", "spec": {"service": "echo",
                            "rules": [{"match": {"path-prefix": "/api"}},
                                      {"match": {"path-prefix": "/v1"}, "backends": [{"subset": {"version": "v1"}}]}]}},
                          {"kind": "DestinationPolicy", "name": "gone", "spec": {"service": "gone",
                            "outlier-detection": {"base-ejection": "2s"}, "circuit-breaker": {"max-requests": 5}}}]}
                        """))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(applied.statusCode()).as(applied.body()).isLessThan(300);
        Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                    assertThat(nodes[0].view().current().endpoints("echo")).hasSize(1);
                    assertThat(nodes[0].view().current().endpoints("gone")).hasSize(1);
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
        if (collector != null) {
            collector.stop(0);
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

        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + admin[0] + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse(""))
                .startsWith("text/plain; version=0.0.4");
        Map<String, Double> after0 = parse(response.body());
        Map<String, Double> delta0 = delta(before0, after0);
        String out =
                "direction=\"outbound\",service=\"echo\",route=\"echo-api\",subset=\"\",caller=\"web\"";
        assertThat(delta0.get("rhizome_requests_total{" + out + ",code=\"200\"}")).isEqualTo(5);
        assertThat(delta0.get("rhizome_requests_total{" + out + ",code=\"500\"}")).isEqualTo(2);
        assertThat(
                        delta0.get(
                                "rhizome_requests_total{direction=\"outbound\",service=\"echo\",route=\"\",subset=\"\",caller=\"web\",code=\"404\"}"))
                .isEqualTo(3);
        assertThat(
                        delta0.get(
                                "rhizome_requests_total{direction=\"outbound\",service=\"\",route=\"\",subset=\"\",caller=\"web\",code=\"404\"}"))
                .isEqualTo(4);
        assertThat(delta0.get("rhizome_request_duration_seconds_count{" + out + "}")).isEqualTo(7);
        assertThat(delta0.get("rhizome_request_duration_seconds_bucket{" + out + ",le=\"+Inf\"}"))
                .isEqualTo(7);
        assertThat(after0.get("rhizome_request_duration_seconds_bucket{" + out + ",le=\"0.0005\"}"))
                .isLessThanOrEqualTo(
                        after0.get(
                                "rhizome_request_duration_seconds_bucket{" + out + ",le=\"10\"}"));
        assertThat(delta0.get("rhizome_response_bytes_total{" + out + "}"))
                .isEqualTo(5 * "echo /api/mN\n".length() + 2 * "echo /api/fail\n".length());
        assertThat(after0)
                .containsEntry("rhizome_cluster_members{status=\"Up\"}", 2.0)
                .containsEntry("rhizome_cluster_unreachable_members", 0.0)
                .containsEntry("rhizome_ddata_entries{data=\"policy\",kind=\"Route\"}", 1.0)
                .containsEntry(
                        "rhizome_ddata_entries{data=\"registry\",kind=\"Endpoint\"}",
                        2.0) // echo and gone
                .containsKey("jvm_memory_bytes_used{area=\"heap\"}");
        // The last change is the apply of the set-up: its age is at most the time since then.
        double sinceApply = (System.nanoTime() - appliedAtNanos) / 1e9;
        assertThat(after0.get("rhizome_policy_last_change_age_seconds"))
                .isBetween(0.0, sinceApply + 1);
        assertThat(response.body())
                .doesNotContain("/api/m1")
                .doesNotContain("/elsewhere"); // no paths as labels

        // node-2 saw the routed requests arrive on its inbound port, named by node-1's route.
        Map<String, Double> delta1 = delta(before1, scrape(1));
        String in =
                "direction=\"inbound\",service=\"echo\",route=\"echo-api\",subset=\"\",caller=\"\""; // no mTLS: caller unknown
        assertThat(delta1.get("rhizome_requests_total{" + in + ",code=\"200\"}")).isEqualTo(5);
        assertThat(delta1.get("rhizome_requests_total{" + in + ",code=\"500\"}")).isEqualTo(2);
    }

    @Test
    void metricsNameTheBackendSubsetARouteSentTo() throws Exception {
        Map<String, Double> before = scrape(0);
        for (int i = 0; i < 3; i++) {
            assertThat(call(0, "echo", "/v1/s" + i).statusCode()).isEqualTo(200);
        }
        Map<String, Double> delta = delta(before, scrape(0));
        String v1 =
                "direction=\"outbound\",service=\"echo\",route=\"echo-api\",subset=\"version=v1\",caller=\"web\"";
        assertThat(delta.get("rhizome_requests_total{" + v1 + ",code=\"200\"}")).isEqualTo(3);
        assertThat(delta.get("rhizome_request_duration_seconds_count{" + v1 + "}")).isEqualTo(3);
        assertThat(delta.get("rhizome_response_bytes_total{" + v1 + "}"))
                .isEqualTo(3 * "echo /v1/sN\n".length());
        JsonObject line =
                eventuallyGet(
                        () ->
                                accessLogLines().stream()
                                        .filter(l -> l.get("path").getAsString().equals("/v1/s0"))
                                        .findFirst()
                                        .orElse(null));
        assertThat(line.get("subset").getAsString()).isEqualTo("version=v1");
    }

    @Test
    void anEjectedEndpointShowsInItsGaugeUntilItsEjectionEnds() throws Exception {
        String gauge = "rhizome_endpoint_ejected{service=\"gone\",endpoint=\"node-2/gone\"}";
        assertThat(scrape(0))
                .containsEntry(gauge, 0.0)
                .containsEntry(
                        "rhizome_endpoint_ejected{service=\"echo\",endpoint=\"node-2/echo\"}", 0.0)
                .containsEntry(
                        "rhizome_circuit_breaker_open{service=\"gone\",limit=\"requests\"}", 0.0)
                .containsEntry(
                        "rhizome_circuit_breaker_remaining{service=\"gone\",limit=\"requests\"}",
                        5.0);
        // node-2 cannot connect to its instance: node-1 ejects the endpoint at once (base-ejection
        // 2s).
        assertThat(call(0, "gone", "/").statusCode()).isGreaterThanOrEqualTo(500);
        Map<String, Double> ejected = scrape(0);
        assertThat(ejected)
                .containsEntry(gauge, 1.0)
                .containsEntry("rhizome_outlier_ejected_endpoints{service=\"gone\"}", 1.0)
                .containsEntry(
                        "rhizome_endpoint_ejected{service=\"echo\",endpoint=\"node-2/echo\"}", 0.0);
        Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                    try {
                        assertThat(scrape(0)).containsEntry(gauge, 0.0);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void aTapWithIncludeHeadersShowsTheirValuesButNeverSecrets() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> tap =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + admin[0]
                                                        + "/v1/tap?service=echo&path-prefix=/api/tapped&max=1&include-headers=true"))
                                .build(),
                        HttpResponse.BodyHandlers.ofLines());
        assertThat(tap.statusCode()).isEqualTo(200);
        java.util.Iterator<String> lines = tap.body().filter(l -> !l.isBlank()).iterator();
        java.util.concurrent.ExecutorService reader =
                java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            assertThat(reader.submit(lines::next).get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .contains("started");
            assertThat(
                            call(
                                            0,
                                            "echo",
                                            "/api/tapped",
                                            "Authorization",
                                            "Bearer s3cr3t",
                                            "Cookie",
                                            "sid=c00kie",
                                            "X-Tenant",
                                            "acme")
                                    .statusCode())
                    .isEqualTo(200);
            String line = reader.submit(lines::next).get(10, java.util.concurrent.TimeUnit.SECONDS);
            JsonObject event = JsonParser.parseString(line).getAsJsonObject();
            assertThat(event.get("type").getAsString()).isEqualTo("request");
            assertThat(event.get("path").getAsString()).isEqualTo("/api/tapped");
            JsonObject headers = event.getAsJsonObject("headers");
            assertThat(headers.get("x-tenant").getAsString()).isEqualTo("acme");
            assertThat(headers.get("host").getAsString()).isEqualTo("echo");
            assertThat(headers.get("authorization").getAsString()).isEqualTo("[redacted]");
            assertThat(headers.get("cookie").getAsString()).isEqualTo("[redacted]");
            assertThat(line).doesNotContain("s3cr3t").doesNotContain("c00kie");
        } finally {
            reader.shutdownNow();
        }
        // --max 1 reached: the stream ends and neither node keeps a tap (nor copies headers)
        // afterwards.
        Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                    for (int n = 0; n < 2; n++) {
                        try {
                            assertThat(
                                            http.send(
                                                            HttpRequest.newBuilder(
                                                                            URI.create(
                                                                                    "http://127.0.0.1:"
                                                                                            + admin[
                                                                                                    n]
                                                                                            + "/v1/taps"))
                                                                    .build(),
                                                            HttpResponse.BodyHandlers.ofString())
                                                    .body())
                                    .containsPattern("\"active\"\\s*:\\s*0\\b");
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                });
    }

    @Test
    void traceContextReachesTheInstanceWithTheCallersTraceIdAndANewSpanPerHop() {
        String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertThat(
                        call(
                                        0,
                                        "echo",
                                        "/api/traced",
                                        "traceparent",
                                        incoming,
                                        "tracestate",
                                        "vendor=opaque")
                                .statusCode())
                .isEqualTo(200);
        Map<String, String> seen = received.get("/api/traced").peek();
        String traceparent = seen.get("traceparent");
        assertThat(traceparent).matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01");
        assertThat(traceparent.substring(36, 52)).isNotEqualTo("00f067aa0ba902b7");
        assertThat(seen.get("tracestate")).isEqualTo("vendor=opaque");
    }

    @Test
    void sampledHopsAreExportedAsSpansToTheConfiguredCollector() throws Exception {
        String unsampled = "00-11111111111111111111111111111111-2222222222222222-00";
        String sampled = "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01";
        assertThat(call(0, "echo", "/api/unsampled", "traceparent", unsampled).statusCode())
                .isEqualTo(200);
        assertThat(call(0, "echo", "/api/sampled", "traceparent", sampled).statusCode())
                .isEqualTo(200);
        String sentOn = received.get("/api/sampled").peek().get("traceparent");

        // node-1 exports its hop; node-2 has no collector configured.
        JsonObject span =
                eventuallyGet(
                        () ->
                                spans.stream()
                                        .filter(
                                                sp ->
                                                        sp.get("traceId")
                                                                .getAsString()
                                                                .equals(
                                                                        "4bf92f3577b34da6a3ce929d0e0e4737"))
                                        .findFirst()
                                        .orElse(null));
        assertThat(span.get("parentSpanId").getAsString()).isEqualTo("00f067aa0ba902b8");
        assertThat(span.get("spanId").getAsString())
                .matches("[0-9a-f]{16}")
                .isNotEqualTo("00f067aa0ba902b8");
        assertThat(span.get("name").getAsString()).isEqualTo("outbound echo echo-api");
        assertThat(span.get("kind").getAsInt()).isEqualTo(3);
        assertThat(Long.parseLong(span.get("endTimeUnixNano").getAsString()))
                .isGreaterThan(Long.parseLong(span.get("startTimeUnixNano").getAsString()));
        assertThat(span.toString())
                .contains("\"http.response.status_code\",\"value\":{\"intValue\":\"200\"}");
        // The instance was called by node-2's hop, whose parent is node-1's span.
        assertThat(sentOn)
                .startsWith("00-4bf92f3577b34da6a3ce929d0e0e4737-")
                .doesNotContain(span.get("spanId").getAsString());
        // Sent before the sampled one, so it would have been exported by now: not sampled, not
        // exported.
        assertThat(spans).noneMatch(sp -> sp.get("traceId").getAsString().startsWith("1111"));
    }

    @Test
    void aRequestWithoutTraceContextStartsATraceThatTheAccessLogNames() throws Exception {
        assertThat(call(0, "echo", "/api/untraced?secret=1").statusCode()).isEqualTo(200);
        assertThat(
                        call(
                                        0,
                                        "echo",
                                        "/api/badly",
                                        "traceparent",
                                        "00-not-a-trace",
                                        "tracestate",
                                        "x=1")
                                .statusCode())
                .isEqualTo(200);
        String started = received.get("/api/untraced").peek().get("traceparent");
        assertThat(started).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        Map<String, String> badly = received.get("/api/badly").peek();
        assertThat(badly.get("traceparent"))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                .doesNotContain("not-a-trace");
        assertThat(badly).doesNotContainKey("tracestate");

        // node-1 writes one JSON line per request to its access log file, named by the same trace
        // id.
        String traceId = started.substring(3, 35);
        JsonObject line =
                eventuallyGet(
                        () ->
                                accessLogLines().stream()
                                        .filter(
                                                l ->
                                                        l.get("path")
                                                                .getAsString()
                                                                .equals("/api/untraced"))
                                        .findFirst()
                                        .orElse(null));
        assertThat(line.get("trace-id").getAsString()).isEqualTo(traceId);
        assertThat(line.get("direction").getAsString()).isEqualTo("outbound");
        assertThat(line.get("method").getAsString()).isEqualTo("GET");
        assertThat(line.get("authority").getAsString()).isEqualTo("echo");
        assertThat(line.get("status").getAsInt()).isEqualTo(200);
        assertThat(line.get("service").getAsString()).isEqualTo("echo");
        assertThat(line.get("route").getAsString()).isEqualTo("echo-api");
        assertThat(line.get("upstream").getAsString())
                .isEqualTo(nodes[1].settings().inboundAdvertised().toString());
        assertThat(line.get("response-bytes").getAsLong())
                .isEqualTo("echo /api/untraced\n".length());
        assertThat(line.get("duration-ms").getAsDouble()).isPositive();
        assertThat(line.get("flags").getAsJsonArray()).isEmpty();
        assertThat(line.has("time") && line.has("caller") && line.has("request-bytes")).isTrue();
        assertThat(line.toString()).doesNotContain("secret");

        // A mesh answer is logged with its error code and flag.
        assertThat(call(0, "echo", "/nowhere").statusCode()).isEqualTo(404);
        JsonObject noRoute =
                eventuallyGet(
                        () ->
                                accessLogLines().stream()
                                        .filter(l -> l.get("path").getAsString().equals("/nowhere"))
                                        .findFirst()
                                        .orElse(null));
        assertThat(noRoute.get("error").getAsString()).isEqualTo("no-route");
        assertThat(noRoute.get("flags").getAsJsonArray().toString()).isEqualTo("[\"no-route\"]");
        // node-2 has no access log configured: its requests never reach node-1's file.
        assertThat(accessLogLines())
                .extracting(l -> l.get("direction").getAsString())
                .containsOnly("outbound");
    }

    // ------------------------------------------------------------------ fixtures

    private List<JsonObject> accessLogLines() {
        try {
            if (!Files.exists(accessLog)) {
                return List.of();
            }
            List<JsonObject> out = new ArrayList<>();
            for (String l : Files.readAllLines(accessLog)) {
                out.add(
                        JsonParser.parseString(l)
                                .getAsJsonObject()); // every line parses as one JSON object
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> T eventuallyGet(java.util.function.Supplier<T> get)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        T value;
        while ((value = get.get()) == null) {
            assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        return value;
    }

    /**
     * A call by an app that uses its node's outbound port as its HTTP proxy ({@code HTTP_PROXY}).
     */
    private HttpResponse<String> call(int node, String host, String path, String... headers) {
        try {
            HttpClient viaNode =
                    proxies.computeIfAbsent(
                            node,
                            n ->
                                    HttpClient.newBuilder()
                                            .proxy(
                                                    ProxySelector.of(
                                                            new InetSocketAddress(
                                                                    "127.0.0.1", outbound[n])))
                                            .build());
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
        return parse(
                http.send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://127.0.0.1:"
                                                                + admin[node]
                                                                + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
    }

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{.*\\})?) (\\S+)$");

    /** Sample → value of an exposition, checking each line is a comment or a well-formed sample. */
    static Map<String, Double> parse(String exposition) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line: %s", line).isTrue();
            assertThat(out.put(m.group(1), Double.valueOf(m.group(2).replace("+Inf", "Infinity"))))
                    .as("duplicate %s", line)
                    .isNull();
        }
        return out;
    }

    private static Map<String, Double> delta(
            Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0.0)));
        return out;
    }
}
