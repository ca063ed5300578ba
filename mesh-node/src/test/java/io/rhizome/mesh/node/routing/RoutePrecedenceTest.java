package io.rhizome.mesh.node.routing;

import static io.rhizome.mesh.node.routing.RouteFixtures.exact;
import static io.rhizome.mesh.node.routing.RouteFixtures.get;
import static io.rhizome.mesh.node.routing.RouteFixtures.header;
import static io.rhizome.mesh.node.routing.RouteFixtures.match;
import static io.rhizome.mesh.node.routing.RouteFixtures.prefix;
import static io.rhizome.mesh.node.routing.RouteFixtures.regex;
import static io.rhizome.mesh.node.routing.RouteFixtures.request;
import static io.rhizome.mesh.node.routing.RouteFixtures.route;
import static io.rhizome.mesh.node.routing.RouteFixtures.rule;
import static io.rhizome.mesh.node.routing.RouteFixtures.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import io.rhizome.mesh.protocol.v1.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which rule wins when several match, in the spirit of the Gateway API HTTPRoute conformance cases,
 * and proof that the precomputed order makes a first-match scan pick that winner.
 */
class RoutePrecedenceTest {

    private static RouteTable table(Resource... routes) {
        return RouteTable.build(List.of(routes));
    }

    private static ValueMatch query(String name, String value) {
        return ValueMatch.newBuilder().setName(name).setExact(value).build();
    }

    @Test
    void exactBeatsPrefixBeatsRegex() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("regex", regex("/a/.*")),
                                rule("prefix", prefix("/a")),
                                rule("exact", exact("/a/b"))));

        assertThat(winner(t, "svc", get("/a/b"))).isEqualTo("exact");
        assertThat(winner(t, "svc", get("/a/c"))).isEqualTo("prefix");
    }

    @Test
    void aRegexRanksBelowEveryPrefixEvenTheCatchAll() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("regex", regex("/x/[0-9]+").setMethod("GET")),
                                rule("catch-all")));

        assertThat(winner(t, "svc", get("/x/1"))).isEqualTo("catch-all");
    }

    @Test
    void longestPrefixWins() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("root", prefix("/")),
                                rule("api", prefix("/api")),
                                rule("api-v2", prefix("/api/v2"))));

        assertThat(winner(t, "svc", get("/api/v2/orders"))).isEqualTo("api-v2");
        assertThat(winner(t, "svc", get("/api/v3"))).isEqualTo("api");
        assertThat(winner(t, "svc", get("/api/v2x"))).isEqualTo("api");
        assertThat(winner(t, "svc", get("/other"))).isEqualTo("root");
    }

    @Test
    void prefixLengthCountsTheNormalizedPrefix() {
        // "/api/" is "/api" (4 characters), so the method decides, not the trailing slash.
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("slash", prefix("/api/")),
                                rule("get", prefix("/api").setMethod("GET"))));

        assertThat(winner(t, "svc", get("/api/x"))).isEqualTo("get");
        assertThat(winner(t, "svc", request("POST", "/api/x", Map.of()))).isEqualTo("slash");
    }

    @Test
    void methodBeatsNoMethodButNotALongerPrefix() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("any", prefix("/api")),
                                rule("get", prefix("/api").setMethod("GET")),
                                rule("v2", prefix("/api/v2"))));

        assertThat(winner(t, "svc", get("/api/x"))).isEqualTo("get");
        assertThat(winner(t, "svc", request("POST", "/api/x", Map.of()))).isEqualTo("any");
        assertThat(winner(t, "svc", get("/api/v2"))).isEqualTo("v2");
    }

    @Test
    void moreHeaderMatchesWinButAMethodComesFirst() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("one", match().addHeaders(header("a", "1"))),
                                rule(
                                        "two",
                                        match().addHeaders(header("a", "1"))
                                                .addHeaders(header("b", "2"))),
                                rule("post", match().setMethod("POST"))));

        assertThat(winner(t, "svc", request("GET", "/", Map.of("a", "1", "b", "2"))))
                .isEqualTo("two");
        assertThat(winner(t, "svc", request("GET", "/", Map.of("a", "1")))).isEqualTo("one");
        assertThat(winner(t, "svc", request("POST", "/", Map.of("a", "1", "b", "2"))))
                .isEqualTo("post");
    }

    @Test
    void moreQueryMatchesWinButHeadersComeFirst() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("q1", match().addQuery(query("a", "1"))),
                                rule(
                                        "q2",
                                        match().addQuery(query("a", "1"))
                                                .addQuery(query("b", "2"))),
                                rule("h1", match().addHeaders(header("x", "1")))));

        assertThat(winner(t, "svc", get("/?a=1&b=2"))).isEqualTo("q2");
        assertThat(winner(t, "svc", get("/?b=2&a=1"))).isEqualTo("q2");
        assertThat(winner(t, "svc", get("/?a=1"))).isEqualTo("q1");
        assertThat(winner(t, "svc", request("GET", "/?a=1&b=2", Map.of("x", "1")))).isEqualTo("h1");
    }

    @Test
    void theOldestResourceWinsTiesAcrossRoutesOfOneService() {
        Resource older = route("zz-older", "svc", 1_000, rule("older", prefix("/api")));
        Resource newer =
                route(
                        "aa-newer",
                        "svc",
                        2_000,
                        rule("newer", prefix("/api")),
                        rule("newer-v2", prefix("/api/v2")));

        for (List<Resource> order : List.of(List.of(older, newer), List.of(newer, older))) {
            RouteTable t = RouteTable.build(order);
            assertThat(winner(t, "svc", get("/api/x"))).isEqualTo("older");
            assertThat(winner(t, "svc", get("/api/v2/x")))
                    .as("precedence before age")
                    .isEqualTo("newer-v2");
        }
    }

    @Test
    void versionsCompareByMillisThenLogicalThenNodeThenNameBreaksTies() {
        RouteTable logical =
                table(
                        versioned(route("a", "svc", rule("logical-2")), 5, 2, "n1"),
                        versioned(route("b", "svc", rule("logical-1")), 5, 1, "n9"));
        RouteTable node =
                table(
                        versioned(route("a", "svc", rule("node-b")), 5, 1, "node-b"),
                        versioned(route("b", "svc", rule("node-a")), 5, 1, "node-a"));
        RouteTable millis =
                table(
                        versioned(route("a", "svc", rule("later")), 6, 0, "a"),
                        versioned(route("b", "svc", rule("earlier")), 5, 9, "z"));
        RouteTable name =
                table(
                        versioned(route("b", "svc", rule("name-b")), 5, 1, "n"),
                        versioned(route("a", "svc", rule("name-a")), 5, 1, "n"));

        assertThat(winner(logical, "svc", get("/"))).isEqualTo("logical-1");
        assertThat(winner(node, "svc", get("/"))).isEqualTo("node-a");
        assertThat(winner(millis, "svc", get("/"))).isEqualTo("earlier");
        assertThat(winner(name, "svc", get("/"))).isEqualTo("name-a");
    }

    private static Resource versioned(Resource r, long millis, int logical, String node) {
        return r.toBuilder()
                .setVersion(
                        Version.newBuilder()
                                .setPhysicalMillis(millis)
                                .setLogical(logical)
                                .setNode(node))
                .build();
    }

    @Test
    void ruleOrderBreaksTiesWithinOneResource() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("first", prefix("/api")),
                                rule("second", prefix("/api"))));

        assertThat(winner(t, "svc", get("/api"))).isEqualTo("first");
    }

    @Test
    void aRuleWithoutMatchesIsACatchAllWithTheLowestPrecedenceAmongRootPrefixes() {
        RouteTable t =
                table(
                        route("old", "svc", 1_000, rule("catch-all")),
                        route(
                                "new",
                                "svc",
                                2_000,
                                rule("root-header", prefix("/").addHeaders(header("x", "1"))),
                                rule("root", prefix("/"))));

        assertThat(winner(t, "svc", request("GET", "/anything", Map.of("x", "1"))))
                .isEqualTo("root-header");
        assertThat(winner(t, "svc", get("/anything")))
                .as("a bare root prefix ties; the older Route wins")
                .isEqualTo("catch-all");
        assertThat(winner(t, "svc", request("GET", "*", Map.of())))
                .as("even a path without /")
                .isEqualTo("catch-all");
    }

    @Test
    void aRuleCompetesWithItsBestMatchingMatch() {
        RouteTable t =
                table(
                        route(
                                "r",
                                "svc",
                                rule("broad", prefix("/"), exact("/x")),
                                rule("narrow", prefix("/x"))));

        assertThat(winner(t, "svc", get("/x"))).isEqualTo("broad");
        assertThat(winner(t, "svc", get("/x/y"))).isEqualTo("narrow");
    }

    @Test
    void candidatesArePrecomputedInPrecedenceOrder() {
        DefaultRouteTable t =
                (DefaultRouteTable)
                        table(
                                route("new", "svc", 2_000, rule("n0", prefix("/api")), rule("n1")),
                                route(
                                        "old",
                                        "svc",
                                        1_000,
                                        rule("o0", regex("/.*")),
                                        rule(
                                                "o1",
                                                prefix("/api").setMethod("GET"),
                                                exact("/api/x")),
                                        rule("o2", prefix("/api/v2")),
                                        rule("o3", prefix("/api").addHeaders(header("h", "1")))));

        assertThat(t.candidates("svc"))
                .extracting(c -> c.decision.rule().id() + "#" + c.matchIndex)
                .containsExactly(
                        "old/rules[1]#1", // exact
                        "old/rules[2]#0", // longest prefix
                        "old/rules[1]#0", // /api + method
                        "old/rules[3]#0", // /api + header
                        "new/rules[0]#0", // /api
                        "new/rules[1]#0", // catch-all: prefix "/"
                        "old/rules[0]#0"); // regex
    }

    /**
     * The first candidate that matches is the best of all that match: for random requests against a
     * mixed table in every input order, the scan agrees with the maximum found by brute force.
     */
    @Test
    void theFirstMatchingCandidateIsTheBestOfAllMatching() {
        List<Resource> routes =
                new ArrayList<>(
                        List.of(
                                route(
                                        "a",
                                        "svc",
                                        3_000,
                                        rule("a0", prefix("/api").setMethod("GET")),
                                        rule("a1", regex("/api/[a-z]+"))),
                                route(
                                        "b",
                                        "svc",
                                        1_000,
                                        rule("b0", prefix("/api").addHeaders(header("h", "1"))),
                                        rule("b1")),
                                route(
                                        "c",
                                        "svc",
                                        2_000,
                                        rule(
                                                "c0",
                                                exact("/api/v2"),
                                                prefix("/api/v2").addQuery(query("q", "1"))),
                                        rule(
                                                "c1",
                                                match().setMethod("POST")
                                                        .addHeaders(header("h", "1"))
                                                        .addQuery(query("q", "1"))))));
        String[] paths = {"/", "/api", "/api/", "/api/v2", "/api/v2/x", "/api/x", "/apix", "*"};
        String[] methods = {"GET", "POST"};
        String[] queries = {"", "?q=1", "?q=2"};
        Random random = new Random(7);
        for (int shuffle = 0; shuffle < 6; shuffle++) {
            Collections.shuffle(routes, random);
            DefaultRouteTable t = (DefaultRouteTable) RouteTable.build(routes);
            for (String path : paths) {
                for (String method : methods) {
                    for (String q : queries) {
                        for (Map<String, String> headers :
                                List.of(Map.<String, String>of(), Map.of("h", "1"))) {
                            RequestView r = request(method, path + q, headers);
                            MatchCandidate best =
                                    t.candidates("svc").stream()
                                            .filter(c -> c.matches(r, r.method(), r.path()))
                                            .min(MatchCandidate.PRECEDENCE)
                                            .orElseThrow();
                            assertThat(t.match("svc", r))
                                    .as("%s %s%s %s", method, path, q, headers)
                                    .isSameAs(best.decision);
                        }
                    }
                }
            }
        }
    }
}
