package io.rhizome.mesh.node.routing;

import static io.rhizome.mesh.node.routing.RouteFixtures.exact;
import static io.rhizome.mesh.node.routing.RouteFixtures.get;
import static io.rhizome.mesh.node.routing.RouteFixtures.header;
import static io.rhizome.mesh.node.routing.RouteFixtures.headerRegex;
import static io.rhizome.mesh.node.routing.RouteFixtures.match;
import static io.rhizome.mesh.node.routing.RouteFixtures.prefix;
import static io.rhizome.mesh.node.routing.RouteFixtures.present;
import static io.rhizome.mesh.node.routing.RouteFixtures.regex;
import static io.rhizome.mesh.node.routing.RouteFixtures.request;
import static io.rhizome.mesh.node.routing.RouteFixtures.route;
import static io.rhizome.mesh.node.routing.RouteFixtures.rule;
import static io.rhizome.mesh.node.routing.RouteFixtures.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.HeaderEdits;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Retries;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What one match selects: paths, methods, headers, query; and what the table does without a match.
 */
class RouteTableTest {

    @Test
    void serviceWithoutRoutesKeepsRoundRobin() {
        RouteTable table =
                RouteTable.build(List.of(route("orders", "orders", rule("api", prefix("/api")))));

        assertThat(table.hasRoutes("payments")).isFalse();
        assertThat(table.match("payments", get("/api"))).isSameAs(RouteDecision.NoRoutes.INSTANCE);
        assertThat(RouteTable.empty().match("orders", get("/")))
                .isEqualTo(new RouteDecision.NoRoutes());
        assertThat(RouteTable.build(List.of()).hasRoutes("orders")).isFalse();
    }

    @Test
    void serviceWithRoutesButNoMatchingRuleIsNoRoute() {
        RouteTable table =
                RouteTable.build(List.of(route("orders", "orders", rule("api", prefix("/api")))));

        assertThat(table.hasRoutes("orders")).isTrue();
        assertThat(table.match("orders", get("/other")))
                .isEqualTo(new RouteDecision.NoRoute("orders"));
        assertThat(table.match("orders", get("/other"))).isSameAs(table.match("orders", get("/x")));
    }

    @Test
    void routeWithoutRulesStillOwnsTheService() {
        RouteTable table = RouteTable.build(List.of(route("orders", "orders")));

        assertThat(table.hasRoutes("orders")).isTrue();
        assertThat(winner(table, "orders", get("/"))).isEqualTo("no-route");
    }

    @Test
    void deletedRoutesAndOtherKindsAreIgnored() {
        Resource deleted = route("old", "orders", rule("old")).toBuilder().setDeleted(true).build();
        Resource deletedOnly =
                route("gone", "payments", rule("gone")).toBuilder().setDeleted(true).build();
        Resource policy =
                Resource.newBuilder()
                        .setKind("DestinationPolicy")
                        .setName("orders")
                        .setDestinationPolicy(
                                DestinationPolicySpec.newBuilder().setService("users"))
                        .build();
        RouteTable table =
                RouteTable.build(
                        List.of(
                                deleted,
                                deletedOnly,
                                policy,
                                route("live", "orders", rule("live", prefix("/live")))));

        assertThat(winner(table, "orders", get("/live"))).isEqualTo("live");
        assertThat(winner(table, "orders", get("/other"))).isEqualTo("no-route");
        assertThat(table.hasRoutes("payments")).isFalse();
        assertThat(table.hasRoutes("users")).isFalse();
        assertThat(table.services()).containsExactly("orders");
    }

    @ParameterizedTest(name = "prefix {0} vs {1}: {2}")
    @CsvSource({
        "/v2,    /v2,       true",
        "/v2,    /v2/,      true",
        "/v2,    /v2/x,     true",
        "/v2,    /v2x,      false",
        "/v2,    /v,        false",
        "/v2,    /V2,       false",
        "/v2/,   /v2,       true",
        "/v2/,   /v2/x,     true",
        "/v2/,   /v2x,      false",
        "/v2/x,  /v2/x/y,   true",
        "/v2/x,  /v2/xy,    false",
        "/,      /,         true",
        "/,      /anything, true",
        "//,     /anything, true",
    })
    void pathPrefixMatchesWholeSegments(String prefix, String path, boolean matches) {
        RouteTable table =
                RouteTable.build(List.of(route("r", "svc", rule("hit", prefix(prefix)))));

        assertThat(winner(table, "svc", get(path))).isEqualTo(matches ? "hit" : "no-route");
    }

    @ParameterizedTest(name = "exact {0} vs {1}: {2}")
    @CsvSource({"/v2, /v2, true", "/v2, /v2/, false", "/v2, /v2/x, false", "/v2/, /v2, false"})
    void pathExactIsExact(String exact, String path, boolean matches) {
        RouteTable table = RouteTable.build(List.of(route("r", "svc", rule("hit", exact(exact)))));

        assertThat(winner(table, "svc", get(path))).isEqualTo(matches ? "hit" : "no-route");
    }

    @ParameterizedTest(name = "regex {0} vs {1}: {2}")
    @CsvSource({
        "/v[0-9]+, /v2, true",
        "/v[0-9]+, /v2/x, false",
        "/v[0-9]+, /api/v2, false",
        "/v[0-9]+/.*, /v2/x, true"
    })
    void pathRegexMustMatchTheWholePath(String regex, String path, boolean matches) {
        RouteTable table = RouteTable.build(List.of(route("r", "svc", rule("hit", regex(regex)))));

        assertThat(winner(table, "svc", get(path))).isEqualTo(matches ? "hit" : "no-route");
    }

    @Test
    void methodIsExactAndStoredUpperCase() {
        RouteTable table =
                RouteTable.build(
                        List.of(route("r", "svc", rule("post", match().setMethod("post")))));

        assertThat(winner(table, "svc", request("POST", "/", Map.of()))).isEqualTo("post");
        assertThat(winner(table, "svc", request("GET", "/", Map.of()))).isEqualTo("no-route");
    }

    @Test
    void headerNamesAreCaseInsensitiveAndValuesExact() {
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "r",
                                        "svc",
                                        rule(
                                                "canary",
                                                match().addHeaders(header("X-Canary", "Yes"))))));

        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-canary", "Yes"))))
                .isEqualTo("canary");
        assertThat(winner(table, "svc", request("GET", "/", Map.of("X-CANARY", "Yes"))))
                .isEqualTo("canary");
        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-canary", "yes"))))
                .isEqualTo("no-route");
        assertThat(winner(table, "svc", get("/"))).isEqualTo("no-route");
    }

    @Test
    void headerRegexMustMatchTheWholeValueAndPresentTakesAnyValue() {
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "r",
                                        "svc",
                                        rule(
                                                "user-a",
                                                match().addHeaders(headerRegex("x-user", "a.*"))),
                                        rule("debug", match().addHeaders(present("X-Debug"))))));

        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-user", "alice"))))
                .isEqualTo("user-a");
        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-user", "bob-a"))))
                .isEqualTo("no-route");
        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-debug", ""))))
                .isEqualTo("debug");
        assertThat(winner(table, "svc", request("GET", "/", Map.of("x-debug", "0"))))
                .isEqualTo("debug");
    }

    @Test
    void queryNamesAreCaseSensitiveAndValuesDecoded() {
        ValueMatch tab = ValueMatch.newBuilder().setName("tab").setExact("all items").build();
        RouteTable table =
                RouteTable.build(List.of(route("r", "svc", rule("tab", match().addQuery(tab)))));

        assertThat(winner(table, "svc", get("/?tab=all+items"))).isEqualTo("tab");
        assertThat(winner(table, "svc", get("/?x=1&tab=all%20items&y"))).isEqualTo("tab");
        assertThat(winner(table, "svc", get("/?Tab=all+items"))).isEqualTo("no-route");
        assertThat(winner(table, "svc", get("/?tab=all"))).isEqualTo("no-route");
        assertThat(winner(table, "svc", get("/?tab=other&tab=all+items")))
                .as("first value counts")
                .isEqualTo("no-route");
        assertThat(winner(table, "svc", get("/?table=all+items"))).isEqualTo("no-route");
    }

    @Test
    void queryRegexAndPresent() {
        ValueMatch page = ValueMatch.newBuilder().setName("page").setRegex("[0-9]+").build();
        ValueMatch debug = ValueMatch.newBuilder().setName("debug").setPresent(true).build();
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "r",
                                        "svc",
                                        rule("page", match().addQuery(page)),
                                        rule("debug", match().addQuery(debug)))));

        assertThat(winner(table, "svc", get("/?page=12"))).isEqualTo("page");
        assertThat(winner(table, "svc", get("/?page=12a"))).isEqualTo("no-route");
        assertThat(winner(table, "svc", get("/?debug"))).isEqualTo("debug");
        assertThat(winner(table, "svc", get("/?debug="))).isEqualTo("debug");
        assertThat(winner(table, "svc", get("/"))).isEqualTo("no-route");
    }

    @Test
    void everyConditionOfAMatchMustHoldAndAnyMatchOfARuleMay() {
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "r",
                                        "svc",
                                        rule(
                                                "hit",
                                                prefix("/api")
                                                        .setMethod("GET")
                                                        .addHeaders(header("x-canary", "1")),
                                                exact("/health")))));

        assertThat(winner(table, "svc", request("GET", "/api/x", Map.of("x-canary", "1"))))
                .isEqualTo("hit");
        assertThat(winner(table, "svc", request("POST", "/api/x", Map.of("x-canary", "1"))))
                .isEqualTo("no-route");
        assertThat(winner(table, "svc", request("GET", "/api/x", Map.of()))).isEqualTo("no-route");
        assertThat(winner(table, "svc", request("GET", "/web", Map.of("x-canary", "1"))))
                .isEqualTo("no-route");
        assertThat(winner(table, "svc", request("DELETE", "/health", Map.of()))).isEqualTo("hit");
    }

    @Test
    void matchedCarriesTheRuleAsCompiled() {
        RouteRule ruleWithEverything =
                RouteRule.newBuilder()
                        .addMatches(prefix("/api"))
                        .addBackends(Backend.newBuilder().putSubset("version", "v2").setWeight(90))
                        .addBackends(Backend.newBuilder().setService("orders-legacy").setWeight(10))
                        .setTimeoutMillis(2000)
                        .setRetries(Retries.newBuilder().setAttempts(2))
                        .setRequestHeaders(HeaderEdits.newBuilder().putSet("x-a", "1"))
                        .build();
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "orders",
                                        "orders",
                                        rule("first", exact("/")),
                                        ruleWithEverything)));

        RoutedRule rule = ((RouteDecision.Matched) table.match("orders", get("/api/x"))).rule();
        assertThat(rule.route()).isEqualTo("orders");
        assertThat(rule.ruleIndex()).isEqualTo(1);
        assertThat(rule.id()).isEqualTo("orders/rules[1]");
        assertThat(rule.backends().backends())
                .containsExactly(
                        new RouteBackend("orders", SubsetFilter.of(Map.of("version", "v2")), 90),
                        new RouteBackend("orders-legacy", SubsetFilter.all(), 10));
        assertThat(rule.timeout()).contains(Duration.ofSeconds(2));
        assertThat(rule.retries().getAttempts()).isEqualTo(2);
        assertThat(rule.requestHeaders().getSetMap()).containsEntry("x-a", "1");
        assertThat(rule.responseHeaders()).isEqualTo(HeaderEdits.getDefaultInstance());
    }

    @Test
    void ruleWithoutBackendsSendsToTheRoutesServiceWithWeightOne() {
        RouteTable table =
                RouteTable.build(
                        List.of(route("orders", "orders", RouteRule.getDefaultInstance())));

        RoutedRule rule = ((RouteDecision.Matched) table.match("orders", get("/"))).rule();
        assertThat(rule.backends().backends())
                .containsExactly(new RouteBackend("orders", SubsetFilter.all(), 1));
        assertThat(rule.timeout()).isEmpty();
    }

    @Test
    void aRouteThatDoesNotCompileIsLeftOutWholeAndNamed() {
        RouteTable table =
                RouteTable.build(
                        List.of(
                                route(
                                        "broken",
                                        "orders",
                                        rule("fine", prefix("/fine")),
                                        rule("bad", regex("("))),
                                route(
                                        "heavy",
                                        "orders",
                                        RouteRule.newBuilder()
                                                .addBackends(Backend.newBuilder().setWeight(1001))
                                                .build()),
                                route("relative", "orders", rule("rel", prefix("api"))),
                                route("good", "orders", rule("good", prefix("/good")))));

        assertThat(winner(table, "orders", get("/fine"))).isEqualTo("no-route");
        assertThat(winner(table, "orders", get("/good"))).isEqualTo("good");
        assertThat(table.rejected())
                .extracting(RejectedRoute::name)
                .containsExactly("broken", "heavy", "relative");
        assertThat(table.rejected().get(0).reason())
                .startsWith(
                        "rules[1].matches[0].path-regex: \"(\" (expected: a Java regular expression");
        assertThat(table.rejected().get(1).reason())
                .isEqualTo("rules[0].backends[0].weight: 1001 (expected: 0..1000)");
        assertThat(table.rejected().get(2).reason())
                .isEqualTo(
                        "rules[0].matches[0].path-prefix: \"api\" (expected: a path starting with /)");
    }
}
