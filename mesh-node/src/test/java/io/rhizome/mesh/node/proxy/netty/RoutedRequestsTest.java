package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Routes on the request path, on real sockets: an app calls services through the outbound port;
 * each service has two local instances, {@code v1} and {@code v2} (labels {@code version=v1|v2}),
 * which name themselves in {@code x-instance}. A request makes an instance fail or stall with
 * {@code x-status-v1: 503} or {@code x-delay-v1: 1000} (see {@link InstanceUpstream}).
 */
class RoutedRequestsTest {

    private static final String ROUTES =
            """
            resources = [
              { kind = Route, name = shop, spec { service = shop, rules = [
                  { match { path-prefix = "/v2" }, backends = [ { subset { version = v2 } } ] }
                  { match { path-prefix = "/api", headers { x-canary = "1" } }, backends = [ { subset { version = v2 } } ] }
                  { match { path-prefix = "/api" }, backends = [ { subset { version = v1 } } ] }
                  { match { path-exact = "/drained" }, backends = [ { subset { version = v1 }, weight = 0 },
                                                                   { subset { version = v2 }, weight = 0 } ] }
              ] } }
              { kind = Route, name = split, spec { service = split, rules = [
                  { backends = [ { subset { version = v1 }, weight = 90 }, { subset { version = v2 }, weight = 10 } ] }
              ] } }
              { kind = Route, name = edits, spec { service = edits, rules = [
                  { request-headers { set { x-a = "1" }, add { x-b = "2" }, remove = [x-c] }
                    response-headers { set { x-up-set = "mesh" }, add { x-up-add = "mesh" }, remove = [x-up-drop] } }
              ] } }
              { kind = Route, name = slow, spec { service = slow, rules = [ { timeout = 200ms } ] } }
              { kind = Route, name = retry-5xx, spec { service = retry-5xx, rules = [
                  { retries { attempts = 2, on = ["5xx"] } } ] } }
              { kind = Route, name = retry-3, spec { service = retry-3, rules = [
                  { retries { attempts = 2, on = ["5xx"] } } ] } }
              { kind = Route, name = retry-split, spec { service = retry-split, rules = [
                  { backends = [ { subset { version = v1 } }, { subset { version = v2 } } ]
                    retries { attempts = 2, on = ["5xx"] } } ] } }
              { kind = Route, name = retry-post, spec { service = retry-post, rules = [
                  { retries { attempts = 2, on = ["5xx"], non-idempotent = true } } ] } }
              { kind = Route, name = per-try, spec { service = per-try, rules = [
                  { retries { per-try-timeout = 100ms } } ] } }
              { kind = Route, name = codes, spec { service = codes, rules = [
                  { retries { attempts = 2, on = [retriable-status-codes], retriable-status-codes = [409] } } ] } }
              { kind = Route, name = dead-canary, spec { service = dead-canary, rules = [
                  { backends = [ { subset { version = v1 }, weight = 90 }, { subset { version = v2 }, weight = 10 } ] } ] } }
              { kind = Route, name = dead-main, spec { service = dead-main, rules = [
                  { backends = [ { subset { version = v1 }, weight = 90 }, { subset { version = v2 }, weight = 10 } ] } ] } }
            ]
            """;

    private static InstanceUpstream v1;
    private static InstanceUpstream v2;
    private static NodeSettings settings;
    private static DataPlane dataPlane;

    @BeforeAll
    static void start() throws IOException {
        v1 = InstanceUpstream.start("v1");
        v2 = InstanceUpstream.start("v2");
        int[] ports = FreePorts.next(4);
        HostPort refusing = new HostPort("127.0.0.1", ports[3]); // nothing listens here
        settings =
                SettingsLoader.fromConfig(
                        ConfigFactory.parseString(
                                """
                rhizome.node.name = node-a
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                """
                                        .formatted(ports[0], ports[1], ports[2])));
        Map<String, List<MeshEndpoint>> services = new HashMap<>();
        for (String service :
                List.of(
                        "shop",
                        "plain",
                        "split",
                        "edits",
                        "slow",
                        "retry-5xx",
                        "retry-split",
                        "retry-post",
                        "per-try",
                        "codes")) {
            services.put(
                    service,
                    List.of(
                            endpoint(service, "v1", v1.address()),
                            endpoint(service, "v2", v2.address())));
        }
        services.put(
                "retry-3",
                List.of(
                        endpoint("retry-3", "v1", v1.address()),
                        endpoint("retry-3", "node-v1b", "v1", v1.address()),
                        endpoint("retry-3", "v2", v2.address())));
        services.put(
                "dead-canary",
                List.of(
                        endpoint("dead-canary", "v1", v1.address()),
                        endpoint("dead-canary", "v2", refusing)));
        services.put(
                "dead-main",
                List.of(
                        endpoint("dead-main", "v1", refusing),
                        endpoint("dead-main", "v2", v2.address())));
        services.put(
                "fallback",
                List.of(
                        endpoint("fallback", "v1", refusing),
                        endpoint("fallback", "v2", v2.address())));
        MeshView view = new MeshView();
        view.publish(new MeshSnapshot(services, List.of()));
        dataPlane =
                NettyDataPlane.create(
                        settings,
                        view,
                        new EndpointSelector(EjectionTracker.create()),
                        PolicyViews.fromHocon(ROUTES));
        dataPlane.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (dataPlane != null) {
            dataPlane.stop(Duration.ZERO);
        }
        if (v1 != null) {
            v1.close();
        }
        if (v2 != null) {
            v2.close();
        }
    }

    // ------------------------------------------------------------------ matching

    @Test
    void aPathPrefixRuleSendsTheRequestToItsSubset() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(instance(get(conn, "shop", "/v2/items?i=" + i)))
                        .as("request %d", i)
                        .isEqualTo("v2");
                assertThat(instance(get(conn, "shop", "/api/items?i=" + i)))
                        .as("request %d", i)
                        .isEqualTo("v1");
            }
        }
    }

    @Test
    void aHeaderRuleWinsOverThePlainRuleOfTheSamePrefix() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response canary = get(conn, "shop", "/api/items", "x-canary", "1");
                RawHttp.Response other = get(conn, "shop", "/api/items", "x-canary", "0");

                assertThat(instance(canary)).as("request %d", i).isEqualTo("v2");
                assertThat(instance(other)).as("request %d", i).isEqualTo("v1");
            }
        }
    }

    @Test
    void aRequestNoRuleMatchesIs404NoRouteAndTheConnectionStaysUsable() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response miss = get(conn, "shop", "/other");
            RawHttp.Response segment =
                    get(conn, "shop", "/v2x"); // a prefix matches whole segments only
            RawHttp.Response next = get(conn, "shop", "/v2");

            assertThat(miss.status()).isEqualTo(404);
            assertThat(miss.header("x-rhizome-error")).isEqualTo("no-route");
            assertThat(miss.text()).contains("shop", "GET /other");
            assertThat(segment.status()).isEqualTo(404);
            assertThat(segment.header("x-rhizome-error")).isEqualTo("no-route");
            assertThat(instance(next)).isEqualTo("v2");
        }
    }

    @Test
    void aRuleWhoseBackendsAllHaveWeightZeroIs500NoBackend() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r = get(conn, "shop", "/drained");

            assertThat(r.status()).isEqualTo(500);
            assertThat(r.header("x-rhizome-error")).isEqualTo("no-backend");
            assertThat(r.text()).contains("shop/rules[3]");
        }
        assertThat(v1.received("GET /drained") + v2.received("GET /drained")).isZero();
    }

    @Test
    void aServiceWithoutRoutesRoundRobinsOverBothInstances() throws IOException {
        List<String> seen = new ArrayList<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 10; i++) {
                seen.add(instance(get(conn, "plain", "/any?i=" + i)));
            }
        }

        assertThat(seen).containsOnly("v1", "v2");
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i))
                    .as("request %d after %s", i, seen.get(i - 1))
                    .isNotEqualTo(seen.get(i - 1));
        }
    }

    // ------------------------------------------------------------------ weights

    @Test
    void aNinetyTenSplitHoldsOver2000RequestsWithinThreePercent() throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 2000; i++) {
                counts.merge(instance(get(conn, "split", "/")), 1, Integer::sum);
            }
        }

        assertThat(counts.keySet()).containsOnly("v1", "v2");
        assertThat(counts.get("v2")).as("v2's share of 2000 in %s", counts).isBetween(140, 260);
    }

    // ------------------------------------------------------------------ header edits

    @Test
    void requestHeaderEditsReachTheUpstream() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r =
                    get(
                            conn, "edits", "/h", "x-a", "client", "x-b", "client", "x-c", "client",
                            "x-d", "client");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text())
                    .contains("x-a: 1\n", "x-b: client\nx-b: 2\n", "x-d: client\n")
                    .doesNotContain("x-a: client", "x-c:");
        }
    }

    @Test
    void responseHeaderEditsReachTheClient() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r = get(conn, "edits", "/h");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().get("x-up-set")).containsExactly("mesh");
            assertThat(r.headers().get("x-up-add")).containsExactly("upstream", "mesh");
            assertThat(r.headers()).doesNotContainKey("x-up-drop");
            assertThat(r.header("x-instance"))
                    .isIn("v1", "v2"); // headers the route does not name are kept
        }
    }

    @Test
    void aServiceWithoutRoutesGetsNoHeaderEdits() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r = get(conn, "plain", "/h", "x-c", "client");

            assertThat(r.header("x-up-drop")).isEqualTo("upstream");
            assertThat(r.text()).contains("x-c: client\n");
        }
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void anUpstreamSlowerThanTheRouteTimeoutIs504InAboutTheTimeoutAndTheConnectionStaysUsable()
            throws IOException {
        try (RawHttp conn = connect()) {
            long start = System.nanoTime();
            RawHttp.Response late =
                    get(conn, "slow", "/late", "x-delay-v1", "5000", "x-delay-v2", "5000");
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(late.status()).isEqualTo(504);
            assertThat(late.header("x-rhizome-error")).isEqualTo("timeout");
            assertThat(late.text()).contains("200ms", "slow/rules[0]");
            // Not before the route's 200 ms, and long before the upstream's 5 s (slack for a loaded
            // machine).
            assertThat(millis).isBetween(199L, 1_500L);

            RawHttp.Response next = get(conn, "slow", "/next");
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.header("x-instance")).isIn("v1", "v2");
        }
    }

    @Test
    void anUpstreamFasterThanTheRouteTimeoutIsAnsweredNormally() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r =
                    get(conn, "slow", "/quick", "x-delay-v1", "20", "x-delay-v2", "20");

            assertThat(r.status()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------ retries

    @Test
    void aGetAnswered503IsRetriedOnTheOtherInstance() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r = get(conn, "retry-5xx", "/r", "x-status-v1", "503");

                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v2");
            }
        }
        assertThat(v1.received("GET /r")).as("tries v1 answered with 503").isPositive();
        assertThat(v2.received("GET /r")).isEqualTo(4);
    }

    @Test
    void whenEveryInstanceAnswers503TheClientGetsThe503() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r =
                    get(conn, "retry-5xx", "/all-fail", "x-status-v1", "503", "x-status-v2", "503");

            assertThat(r.status()).as("%s %s", r.headers(), r.text()).isEqualTo(503);
            assertThat(r.header("x-rhizome-error")).isNull();
            assertThat(instance(r)).isIn("v1", "v2");
        }
        assertThat(v1.received("GET /all-fail") + v2.received("GET /all-fail"))
                .as("tries")
                .isEqualTo(2);
    }

    @Test
    void aThirdTryStillHasTheRequestBody() throws IOException {
        // 40 KB fits the 64 KB retry buffer once, not twice.
        String body = "b".repeat(40_000);
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 6; i++) {
                RawHttp.Response r =
                        conn.send(
                                        head(
                                                        "PUT",
                                                        "retry-3",
                                                        "/third?i=" + i,
                                                        "x-status-v1",
                                                        "503")
                                                + "Content-Length: "
                                                + body.length()
                                                + "\r\n\r\n"
                                                + body)
                                .read();

                assertThat(r.status()).as("request %d: %s", i, r.text()).isEqualTo(200);
                assertThat(r.text()).contains("PUT /third?i=" + i + "\n", "body: 40000 bytes\n");
            }
            for (int i = 0; i < 6; i++) {
                assertThat(get(conn, "retry-3", "/after-third?i=" + i).status()).isEqualTo(200);
            }
        }
        assertThat(v1.received()).allMatch(line -> line.matches("(GET|POST|PUT) /\\S*"));
        assertThat(v2.received()).allMatch(line -> line.matches("(GET|POST|PUT) /\\S*"));
        assertThat(IntStream.range(0, 6).filter(i -> v1.received("PUT /third?i=" + i) == 2).count())
                .as(
                        "requests that v1 answered twice (on both of its endpoints), so v2 got a third try")
                .isPositive();
    }

    @Test
    void whenEveryBackendOfASplitAnswers503TheClientGetsThe503() throws IOException {
        try (RawHttp conn = connect()) {
            RawHttp.Response r =
                    get(
                            conn,
                            "retry-split",
                            "/split-fail",
                            "x-status-v1",
                            "503",
                            "x-status-v2",
                            "503");

            assertThat(r.status()).as("%s %s", r.headers(), r.text()).isEqualTo(503);
            assertThat(instance(r)).isIn("v1", "v2");
            assertThat(get(conn, "retry-split", "/after").status()).isEqualTo(200);
        }
        assertThat(v1.received("GET /split-fail") + v2.received("GET /split-fail"))
                .as("tries")
                .isEqualTo(2);
    }

    @Test
    void aPostAnswered503IsNotRetriedWithoutTheNonIdempotentOptIn() throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r =
                        post(conn, "retry-5xx", "/once", "order " + i, "x-status-v1", "503");
                statuses.add(r.status());
                assertThat(instance(r)).isEqualTo(r.status() == 503 ? "v1" : "v2");
            }
        }

        // Round robin starts every other request on v1, whose 503 the client receives as is.
        assertThat(statuses).containsOnly(503, 200).contains(503, 200);
        assertThat(v1.received("POST /once") + v2.received("POST /once")).as("tries").isEqualTo(4);
    }

    @Test
    void aPostAnswered503IsRetriedWithTheNonIdempotentOptIn() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r =
                        post(conn, "retry-post", "/retried", "order " + i, "x-status-v1", "503");

                assertThat(r.status()).as("request %d: %s", i, r.text()).isEqualTo(200);
                assertThat(r.text()).contains("POST /retried\n", "body: 7 bytes\n");
            }
        }
        assertThat(v1.received("POST /retried")).as("tries v1 answered with 503").isPositive();
        assertThat(v2.received("POST /retried")).isEqualTo(4);
    }

    @Test
    void aTryOverThePerTryTimeoutIsRetriedOnTheFastInstance() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                RawHttp.Response r = get(conn, "per-try", "/p?i=" + i, "x-delay-v1", "1500");
                long millis = (System.nanoTime() - start) / 1_000_000;

                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v2");
                assertThat(millis).as("request %d took", i).isLessThan(1_000);
            }
        }
    }

    @Test
    void whenEveryTryIsOverThePerTryTimeoutTheClientGets504() throws IOException {
        try (RawHttp conn = connect()) {
            long start = System.nanoTime();
            RawHttp.Response r =
                    get(conn, "per-try", "/all-slow", "x-delay-v1", "1500", "x-delay-v2", "1500");
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("x-rhizome-error")).isEqualTo("timeout");
            assertThat(r.text()).contains("per-try timeout of 100ms");
            assertThat(millis).isBetween(150L, 999L);
            assertThat(get(conn, "per-try", "/after-slow").status()).isEqualTo(200);
        }
    }

    @Test
    void aListedRetriableStatusCodeIsRetriedAndAnUnlistedOneIsNot() throws IOException {
        List<Integer> unlisted = new ArrayList<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r = get(conn, "codes", "/c?i=" + i, "x-status-v1", "409");

                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v2");
            }
            for (int i = 0; i < 4; i++) {
                unlisted.add(get(conn, "codes", "/c?i=" + i, "x-status-v1", "503").status());
            }
        }

        assertThat(unlisted).contains(503, 200);
    }

    // ------------------------------------------------------------------ dead backends

    @Test
    void aDeadCanaryGivesItsShareToTheOtherBackend() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 100; i++) {
                RawHttp.Response r = get(conn, "dead-canary", "/d?i=" + i);

                assertThat(r.status()).as("request %d: %s", i, r.text()).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v1");
            }
        }
    }

    @Test
    void aDeadMainBackendGivesItsShareToTheCanary() throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 100; i++) {
                RawHttp.Response r = get(conn, "dead-main", "/d?i=" + i);

                assertThat(r.status()).as("request %d: %s", i, r.text()).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v2");
            }
        }
    }

    @Test
    void withoutARouteAGetIsRetriedOnceOnAnotherEndpointWhenTheConnectionIsRefused()
            throws IOException {
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r = get(conn, "fallback", "/f?i=" + i);

                assertThat(r.status()).as("request %d: %s", i, r.text()).isEqualTo(200);
                assertThat(instance(r)).isEqualTo("v2");
            }
        }
    }

    // ------------------------------------------------------------------ fixtures

    /**
     * Instance {@code version} of {@code service}, fronted by this node (dialled at {@code at}
     * directly).
     */
    private static MeshEndpoint endpoint(String service, String version, HostPort at) {
        return endpoint(service, "node-" + version, version, at);
    }

    private static MeshEndpoint endpoint(String service, String node, String version, HostPort at) {
        return new MeshEndpoint(
                node + "/" + service,
                service,
                node,
                at,
                at,
                Map.of("version", version),
                EndpointStatus.SERVING,
                true,
                true,
                "Up");
    }

    private static RawHttp connect() throws IOException {
        return RawHttp.connect(settings.outbound().address().port());
    }

    /** GET {@code path} of {@code service} with header name/value pairs. */
    private static RawHttp.Response get(
            RawHttp conn, String service, String path, String... headers) throws IOException {
        return conn.send(head("GET", service, path, headers) + "\r\n").read();
    }

    private static RawHttp.Response post(
            RawHttp conn, String service, String path, String body, String... headers)
            throws IOException {
        return conn.send(
                        head("POST", service, path, headers)
                                + "Content-Length: "
                                + body.length()
                                + "\r\n\r\n"
                                + body)
                .read();
    }

    private static String head(String method, String service, String path, String... headers) {
        StringBuilder b =
                new StringBuilder(method)
                        .append(' ')
                        .append(path)
                        .append(" HTTP/1.1\r\nHost: ")
                        .append(service)
                        .append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return b.toString();
    }

    /** Which instance answered; fails the test on a mesh error. */
    private static String instance(RawHttp.Response r) {
        assertThat(r.header("x-instance"))
                .as("x-instance of %d %s", r.status(), r.text())
                .isNotNull();
        return r.header("x-instance");
    }
}
