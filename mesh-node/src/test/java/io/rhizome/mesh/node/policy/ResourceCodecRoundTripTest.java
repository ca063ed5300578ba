package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Version;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the node prints is what it reads back: the friendly shape round-trips to the same stored
 * spec.
 */
class ResourceCodecRoundTripTest {

    static final String ROUTE =
            """
            kind = route, name = orders, spec {
              service = orders
              rules = [
                { matches = [ { path-prefix = "/api", method = get,
                                headers { X-Canary = "1", x-user { regex = "^a.*" }, x-debug { present = true } },
                                query { tab = "all", Page { regex = "[0-9]+" } } },
                              { path-exact = "/health" },
                              { path-regex = "/v[0-9]+/.*" },
                              { grpc { service = rhizome.example.Greeter, method = SayHello }, headers { x-canary = "1" } },
                              { grpc { method = "Say.*", type = regex } },
                              {} ]
                  backends = [ { subset { version = v2, zone = "eu-1" }, weight = 90 }, { service = orders-legacy, weight = 10 } ]
                  timeout = 2s
                  retries { attempts = 2, per-try-timeout = 500ms, on = [connect-failure, reset, "5xx", retriable-status-codes],
                            retriable-status-codes = [409, 503], backoff { base = 25ms, max = 1500ms }, non-idempotent = true }
                  request-headers { set { X-A = "1" }, add { x-b = "2" }, remove = [X-C] }
                  response-headers { set { x-served-by = rhizome } }
                },
                { match { path-prefix = "/" }, timeout = 1m, retries {} }
              ] }
            """;
    static final String DESTINATION_POLICY =
            """
            kind = DestinationPolicy, name = orders-lb, spec {
              service = orders, load-balancer = ring-hash, hash-on { header = X-User }
              outlier-detection { consecutive-errors = 3, base-ejection = 30s }
              circuit-breaker { max-connections = 100, max-requests = 1000 }
              retry-budget { ratio = 0.25 }, connect-timeout = 250ms }
            """;
    static final String RATE_LIMIT =
            """
            kind = rate-limit, name = orders-rl, spec {
              service = orders, requests-per-second = 12.5, route = orders, per-caller = true, global = true }
            """;
    static final String AUTHORIZATION =
            """
            kind = Authorization, name = orders-authz, spec {
              service = orders, default = deny
              rules = [ { action = allow, from = ["spiffe://mesh.local/service/web", "spiffe://*.local/service/*"],
                          methods = [get, HEAD], paths = ["/health"], path-prefixes = ["/api/"],
                          headers { x-tenant = acme, x-trace { present = true } } },
                        { action = deny } ] }
            """;

    static Stream<String> examples() {
        return Stream.of(ROUTE, DESTINATION_POLICY, RATE_LIMIT, AUTHORIZATION);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void jsonRoundTripsToTheSameSpec(String hocon) {
        List<Resource> parsed = ResourceCodec.parseHocon(hocon);
        assertThat(ResourceCodec.parseJson(ResourceCodec.toJson(parsed))).isEqualTo(parsed);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void hoconRoundTripsToTheSameSpec(String hocon) {
        List<Resource> parsed = ResourceCodec.parseHocon(hocon);
        assertThat(ResourceCodec.parseHocon(ResourceCodec.toHocon(parsed))).isEqualTo(parsed);
    }

    @Test
    void aBatchRoundTripsAsAList() {
        List<Resource> all = examples().flatMap(h -> ResourceCodec.parseHocon(h).stream()).toList();
        String json = ResourceCodec.toJson(all);
        assertThat(json).startsWith("{").contains("\"resources\"");
        assertThat(ResourceCodec.parseJson(json)).isEqualTo(all);
        assertThat(ResourceCodec.parseHocon(ResourceCodec.toHocon(all))).isEqualTo(all);
    }

    @Test
    void metadataIsPrintedButNotReadBack() {
        Resource stored =
                ResourceCodec.parseHocon(RATE_LIMIT).get(0).toBuilder()
                        .setVersion(
                                Version.newBuilder()
                                        .setPhysicalMillis(1_700_000_000_000L)
                                        .setLogical(3)
                                        .setNode("node-1"))
                        .setWriter("node-1")
                        .setWrittenAtMillis(1_700_000_000_000L)
                        .build();
        Map<String, Object> friendly = ResourceCodec.toFriendly(stored);
        assertThat(friendly)
                .containsEntry("version", "1700000000000.3@node-1")
                .containsEntry("writer", "node-1")
                .containsEntry("written-at", "2023-11-14T22:13:20Z");
        assertThat(friendly.keySet())
                .containsExactly("kind", "name", "spec", "version", "writer", "written-at");
        Resource back = ResourceCodec.parseJson(ResourceCodec.toJson(List.of(stored))).get(0);
        assertThat(back.getRateLimit()).isEqualTo(stored.getRateLimit());
        assertThat(back.hasVersion()).isFalse();
    }

    @Test
    void printsDefaultsExplicitlyAndDurationsAsText() {
        Map<String, Object> friendly =
                ResourceCodec.toFriendly(
                        ResourceCodec.parseHocon(
                                        "kind = DestinationPolicy, name = p, spec { service = orders }")
                                .get(0));
        assertThat(friendly).doesNotContainKey("version");
        assertThat(friendly.get("spec"))
                .isEqualTo(
                        Map.of(
                                "service",
                                "orders",
                                "load-balancer",
                                "round-robin",
                                "outlier-detection",
                                Map.of(
                                        "consecutive-errors",
                                        5,
                                        "base-ejection",
                                        "10s",
                                        "max-ejection-percent",
                                        50),
                                "circuit-breaker",
                                Map.of(),
                                "retry-budget",
                                Map.of("ratio", 0.2, "min-per-second", 10),
                                "connect-timeout",
                                "1s"));
    }

    @Test
    void printsASingleRouteReadably() {
        String json =
                ResourceCodec.toJson(
                        ResourceCodec.parseHocon(
                                "kind = route, name = orders, spec { service = orders, rules = [ { timeout = 60000, retries {} } ] }"));
        assertThat(json)
                .startsWith("{")
                .contains("\"kind\" : \"Route\"")
                .contains("\"timeout\" : \"1m\"")
                .contains("\"base\" : \"25ms\"")
                .contains("\"on\" : [")
                .contains("\"weight\" : 1");
    }
}
