package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigValueFactory;
import io.rhizome.mesh.protocol.v1.AuthorizationSpec;
import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.RateLimitSpec;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Retries;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceCodecTest {

    private static final String NAME_FORM =
            "1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit";
    private static final String KINDS = "Route | DestinationPolicy | RateLimit | Authorization";
    private static final String ON =
            "connect-failure | 5xx | gateway-error | reset | retriable-status-codes"
                    + " | cancelled | deadline-exceeded | internal | resource-exhausted | unavailable";
    private static final String FORMS = "\"value\", { regex = \"...\" } or { present = true }";

    /** A single Route whose one rule is {@code rule}. */
    private static String route(String rule) {
        return "kind = Route, name = orders, spec { service = orders, rules = [ { "
                + rule
                + " } ] }";
    }

    private static String spec(String kind, String spec) {
        return "kind = " + kind + ", name = p, spec { " + spec + " }";
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                // Where the error is: paths from the document root, list prefix included.
                Arguments.of(
                        "resources = [ { kind = Route, name = orders, spec { service = orders, rules = [ {}, { backends = [ { weight = -5 } ] } ] } } ]",
                        "resources[0].spec.rules[1].backends[0].weight: -5 (expected: 0..1000)"),
                Arguments.of(
                        route("backends = [ { weight = 1.5 } ]"),
                        "spec.rules[0].backends[0].weight: 1.5 (expected: 0..1000)"),
                Arguments.of(
                        route("backends = [ { weight = heavy } ]"),
                        "spec.rules[0].backends[0].weight: \"heavy\" (expected: 0..1000)"),
                // Unknown keys at every depth.
                Arguments.of(
                        "kind = Route, name = orders, labels { a = b }, spec { service = orders, rules = [ {} ] }",
                        "labels: unknown key (expected one of: [kind, name, spec, version, writer, written-at])"),
                Arguments.of(
                        "kind = Route, name = orders, spec { service = orders, rule = [ {} ] }",
                        "spec.rule: unknown key (expected one of: [rules, service])"),
                Arguments.of(
                        route("matches = [ { path = \"/a\" } ]"),
                        "spec.rules[0].matches[0].path: unknown key (expected one of: [grpc, headers, method, path-exact, path-prefix, path-regex, query])"),
                // gRPC method matches.
                Arguments.of(
                        route("match { grpc {} }"),
                        "spec.rules[0].match.grpc.service: missing (expected: a service, a method or both)"),
                Arguments.of(
                        route("match { grpc { service = \"Greeter/Say\" } }"),
                        "spec.rules[0].match.grpc.service: \"Greeter/Say\" (expected: a fully qualified service name such as rhizome.example.Greeter)"),
                Arguments.of(
                        route("match { grpc { method = \"say-hello\" } }"),
                        "spec.rules[0].match.grpc.method: \"say-hello\" (expected: a method name such as SayHello)"),
                Arguments.of(
                        route("match { grpc { service = a.B, type = glob } }"),
                        "spec.rules[0].match.grpc.type: \"glob\" (expected: exact | regex)"),
                Arguments.of(
                        route("match { grpc { service = a.B }, path-prefix = \"/a\" }"),
                        "spec.rules[0].match.path-prefix: \"/a\" (expected: grpc or path-prefix, not both)"),
                Arguments.of(
                        route("match { grpc { svc = a.B } }"),
                        "spec.rules[0].match.grpc.svc: unknown key (expected one of: [method, service, type])"),
                Arguments.of(
                        "resources = [ { " + route("retries { backoff { min = 1s } }") + " } ]",
                        "resources[0].spec.rules[0].retries.backoff.min: unknown key (expected one of: [base, max])"),
                Arguments.of(
                        route("match { headers { x-user { prefix = a } } }"),
                        "spec.rules[0].match.headers.x-user.prefix: unknown key (expected one of: [present, regex])"),
                Arguments.of(
                        spec(
                                "DestinationPolicy",
                                "service = orders, outlier-detection { interval = 1s }"),
                        "spec.outlier-detection.interval: unknown key (expected one of: [base-ejection, consecutive-errors, max-ejection-percent])"),
                Arguments.of(
                        spec(
                                "Authorization",
                                "service = orders, rules = [ { action = allow, to = [x] } ]"),
                        "spec.rules[0].to: unknown key (expected one of: [action, from, headers, methods, path-prefixes, paths])"),
                // Resource envelope.
                Arguments.of(
                        "kind = Routes, name = orders, spec {}",
                        "kind: \"Routes\" (expected: " + KINDS + ")"),
                Arguments.of(
                        "name = orders, spec {}",
                        "kind: missing (expected: " + KINDS + ", or a list resources = [ ... ])"),
                Arguments.of(
                        "kind = Route, name = Orders_1, spec {}",
                        "name: \"Orders_1\" (expected: a resource name: " + NAME_FORM + ")"),
                Arguments.of(
                        "kind = Route, name = orders-, spec {}",
                        "name: \"orders-\" (expected: a resource name: " + NAME_FORM + ")"),
                Arguments.of("kind = Route, name = orders", "spec: missing (expected: an object)"),
                Arguments.of(
                        "resources = { kind = Route }",
                        "resources: {\"kind\":\"Route\"} (expected: a list of resources)"),
                Arguments.of(
                        "resources = [ { " + route("") + " }, { " + route("") + " } ]",
                        "resources[1].name: \"orders\" (expected: a name not already used by another Route in this batch)"),
                // Route.
                Arguments.of(
                        "kind = Route, name = orders, spec { rules = [ {} ] }",
                        "spec.service: missing (expected: a service name: " + NAME_FORM + ")"),
                Arguments.of(
                        "kind = Route, name = orders, spec { service = orders }",
                        "spec.rules: missing (expected: a list of 1..64 rules)"),
                Arguments.of(
                        "kind = Route, name = orders, spec { service = orders, rules = [] }",
                        "spec.rules: [] (expected: a list of 1..64 rules)"),
                Arguments.of(
                        route("backends = []"),
                        "spec.rules[0].backends: [] (expected: a list of 1..16 backends)"),
                Arguments.of(
                        route("backends = [ { service = Legacy } ]"),
                        "spec.rules[0].backends[0].service: \"Legacy\" (expected: a service name: "
                                + NAME_FORM
                                + ")"),
                Arguments.of(
                        route("matches = [ { path-regex = \"/v[0-9+/.*\" } ]"),
                        "spec.rules[0].matches[0].path-regex: \"/v[0-9+/.*\" (expected: a Java regular expression; Unclosed character class near index 9)"),
                Arguments.of(
                        route("matches = [ { path-exact = \"/a\", path-prefix = \"/b\" } ]"),
                        "spec.rules[0].matches[0].path-prefix: \"/b\" (expected: only one of path-exact, path-prefix, path-regex)"),
                Arguments.of(
                        route("match { path-prefix = api }"),
                        "spec.rules[0].match.path-prefix: \"api\" (expected: a path starting with '/')"),
                Arguments.of(
                        route("match { path-prefix = \"/\" }, matches = []"),
                        "spec.rules[0].match: {\"path-prefix\":\"/\"} (expected: match or matches, not both)"),
                Arguments.of(
                        route("match { method = \"GE T\" }"),
                        "spec.rules[0].match.method: \"GE T\" (expected: an HTTP method token such as GET)"),
                Arguments.of(
                        route("match { headers { x-a = [1, 2] } }"),
                        "spec.rules[0].match.headers.x-a: [1,2] (expected: " + FORMS + ")"),
                Arguments.of(
                        route("match { headers { x-a { regex = a, present = true } } }"),
                        "spec.rules[0].match.headers.x-a: {\"present\":true,\"regex\":\"a\"} (expected: exactly one of regex, present)"),
                Arguments.of(
                        route("match { headers { x-debug { present = false } } }"),
                        "spec.rules[0].match.headers.x-debug.present: false (expected: true)"),
                Arguments.of(
                        route("match { headers { X-A = 1, x-a = 2 } }"),
                        "spec.rules[0].match.headers.x-a: 2 (expected: each header once (names are case-insensitive))"),
                Arguments.of(
                        route("timeout = 2 parsecs"),
                        "spec.rules[0].timeout: \"2 parsecs\" (expected: a duration such as 250ms or 2s)"),
                Arguments.of(
                        route("timeout = 2h"),
                        "spec.rules[0].timeout: \"2h\" (expected: a duration 1ms..1h in whole milliseconds)"),
                Arguments.of(
                        route("timeout = 0"),
                        "spec.rules[0].timeout: 0 (expected: a duration 1ms..1h in whole milliseconds)"),
                Arguments.of(
                        route("retries { attempts = 11 }"),
                        "spec.rules[0].retries.attempts: 11 (expected: 0..10)"),
                Arguments.of(
                        route("retries { on = [reset, timeout] }"),
                        "spec.rules[0].retries.on[1]: \"timeout\" (expected: " + ON + ")"),
                Arguments.of(
                        route("retries { on = [reset, reset] }"),
                        "spec.rules[0].retries.on[1]: \"reset\" (expected: each condition once)"),
                Arguments.of(
                        route("retries { on = [retriable-status-codes] }"),
                        "spec.rules[0].retries.retriable-status-codes: missing (expected: a list of status codes 100..599, required when on has retriable-status-codes)"),
                Arguments.of(
                        route(
                                "retries { on = [retriable-status-codes], retriable-status-codes = [409, 600] }"),
                        "spec.rules[0].retries.retriable-status-codes[1]: 600 (expected: 100..599)"),
                Arguments.of(
                        route("retries { backoff { base = 500ms } }"),
                        "spec.rules[0].retries.backoff.base: \"500ms\" (expected: a duration no longer than max (250ms))"),
                Arguments.of(
                        route("retries { backoff { max = 10ms } }"),
                        "spec.rules[0].retries.backoff.max: \"10ms\" (expected: a duration no shorter than base (25ms))"),
                Arguments.of(
                        route("retries { non-idempotent = maybe }"),
                        "spec.rules[0].retries.non-idempotent: \"maybe\" (expected: true | false)"),
                Arguments.of(
                        route("request-headers { remove = [\"x c\"] }"),
                        "spec.rules[0].request-headers.remove[0]: \"x c\" (expected: a header name (an HTTP token))"),
                // DestinationPolicy.
                Arguments.of(
                        spec("DestinationPolicy", "service = orders, load-balancer = fastest"),
                        "spec.load-balancer: \"fastest\" (expected: round-robin | weighted-round-robin | least-request | ring-hash | maglev | random)"),
                Arguments.of(
                        spec("DestinationPolicy", "service = orders, hash-on { header = x-user }"),
                        "spec.hash-on: {\"header\":\"x-user\"} (expected: no hash-on unless load-balancer is ring-hash or maglev)"),
                Arguments.of(
                        spec(
                                "DestinationPolicy",
                                "service = orders, load-balancer = maglev, hash-on { header = x-user, cookie = s }"),
                        "spec.hash-on: {\"cookie\":\"s\",\"header\":\"x-user\"} (expected: exactly one of header, cookie, source-ip)"),
                Arguments.of(
                        spec(
                                "DestinationPolicy",
                                "service = orders, outlier-detection { consecutive-errors = 0 }"),
                        "spec.outlier-detection.consecutive-errors: 0 (expected: 1..1000)"),
                Arguments.of(
                        spec(
                                "DestinationPolicy",
                                "service = orders, circuit-breaker { max-requests = 0 }"),
                        "spec.circuit-breaker.max-requests: 0 (expected: 1..1000000)"),
                Arguments.of(
                        spec("DestinationPolicy", "service = orders, retry-budget { ratio = 1.5 }"),
                        "spec.retry-budget.ratio: 1.5 (expected: 0.0..1.0)"),
                Arguments.of(
                        spec("DestinationPolicy", "service = orders, connect-timeout = 2m"),
                        "spec.connect-timeout: \"2m\" (expected: a duration 1ms..1m in whole milliseconds)"),
                // RateLimit.
                Arguments.of(
                        spec("RateLimit", "service = orders, requests-per-second = 0"),
                        "spec.requests-per-second: 0 (expected: a number > 0 and <= 1000000)"),
                Arguments.of(
                        spec("RateLimit", "service = orders, requests-per-second = lots"),
                        "spec.requests-per-second: \"lots\" (expected: a number > 0 and <= 1000000)"),
                Arguments.of(
                        spec("RateLimit", "service = orders"),
                        "spec.requests-per-second: missing (expected: a number > 0 and <= 1000000)"),
                Arguments.of(
                        spec("RateLimit", "service = orders, requests-per-second = 10, burst = 0"),
                        "spec.burst: 0 (expected: 1..1000000)"),
                Arguments.of(
                        spec(
                                "RateLimit",
                                "service = orders, requests-per-second = 10, route = \"Orders Route\""),
                        "spec.route: \"Orders Route\" (expected: a Route name: " + NAME_FORM + ")"),
                // Authorization.
                Arguments.of(
                        spec("Authorization", "service = orders, rules = [ { action = permit } ]"),
                        "spec.rules[0].action: \"permit\" (expected: allow | deny)"),
                Arguments.of(
                        spec(
                                "Authorization",
                                "service = orders, rules = [ { from = [\"spiffe://d/service/web\"] } ]"),
                        "spec.rules[0].action: missing (expected: allow | deny)"),
                Arguments.of(
                        spec("Authorization", "service = orders, default = reject"),
                        "spec.default: \"reject\" (expected: allow | deny)"),
                Arguments.of(
                        spec(
                                "Authorization",
                                "service = orders, rules = [ { action = allow, from = [web] } ]"),
                        "spec.rules[0].from[0]: \"web\" (expected: an identity spiffe://DOMAIN/service/NAME, '*' wildcards allowed)"),
                Arguments.of(
                        spec(
                                "Authorization",
                                "service = orders, rules = [ { action = deny, path-prefixes = [admin] } ]"),
                        "spec.rules[0].path-prefixes[0]: \"admin\" (expected: a path starting with '/')"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void refusesBadInputNamingTheFieldAndTheExpectedForm(String hocon, String message) {
        assertThatThrownBy(() -> ResourceCodec.parseHocon(hocon))
                .isInstanceOf(ResourceError.class)
                .hasMessage(message);
    }

    @Test
    void errorCarriesTheFieldPath() {
        assertThatThrownBy(
                        () -> ResourceCodec.parseHocon(route("backends = [ { weight = 1001 } ]")))
                .isInstanceOfSatisfying(
                        ResourceError.class,
                        e -> assertThat(e.field()).isEqualTo("spec.rules[0].backends[0].weight"));
    }

    @Test
    void refusesSyntaxErrorsAsTheDocumentOnOneLine() {
        assertThatThrownBy(() -> ResourceCodec.parseJson("{\"kind\": \"Route\",\n \"name\": }"))
                .isInstanceOfSatisfying(
                        ResourceError.class,
                        e -> {
                            assertThat(e.field()).isEqualTo("document");
                            assertThat(e.getMessage())
                                    .startsWith("document: line 2: ")
                                    .doesNotContain("\n");
                        });
        assertThatThrownBy(() -> ResourceCodec.parseHocon("kind = Route\nspec {"))
                .isInstanceOfSatisfying(
                        ResourceError.class, e -> assertThat(e.field()).isEqualTo("document"));
    }

    @Test
    void errorsInAJsonListArePrefixedWithResources() {
        assertThatThrownBy(
                        () ->
                                ResourceCodec.parseJson(
                                        """
                [ {"kind": "RateLimit", "name": "a", "spec": {"service": "orders", "requests-per-second": 5}},
                  {"kind": "RateLimit", "name": "b", "spec": {"service": "orders", "requests-per-second": -1}} ]"""))
                .hasMessage(
                        "resources[1].spec.requests-per-second: -1 (expected: a number > 0 and <= 1000000)");
    }

    @Test
    void aBatchIsAllOrNothing() {
        String batch =
                "resources = [ { "
                        + spec("RateLimit", "service = orders, requests-per-second = 5")
                        + " }, { kind = Route, name = orders, spec { service = orders, rules = [ { bogus = 1 } ] } } ]";
        assertThatThrownBy(() -> ResourceCodec.parseHocon(batch))
                .hasMessageStartingWith("resources[1].spec.rules[0].bogus:");
    }

    @Test
    void theSameNameMayBeUsedByDifferentKinds() {
        List<Resource> rs =
                ResourceCodec.parseHocon(
                        "resources = [ { "
                                + route("")
                                + " }, { kind = RateLimit, name = orders,"
                                + " spec { service = orders, requests-per-second = 5 } } ]");
        assertThat(rs).extracting(Resource::getKind).containsExactly("Route", "RateLimit");
    }

    @Test
    void routeDefaultsAreFilledIn() {
        Resource r =
                ResourceCodec.parseHocon(
                                "kind = route, name = orders, spec { service = orders, rules = [ {} ] }")
                        .get(0);
        assertThat(r.getKind()).isEqualTo("Route");
        RouteRule rule = r.getRoute().getRules(0);
        assertThat(rule.getMatchesList()).isEmpty();
        assertThat(rule.getBackendsList())
                .containsExactly(Backend.newBuilder().setService("orders").setWeight(1).build());
        assertThat(rule.getTimeoutMillis()).isZero();
        assertThat(rule.hasRetries()).isFalse();
        assertThat(rule.hasRequestHeaders()).isFalse();
    }

    @Test
    void aRetriesBlockGetsTheDocumentedDefaults() {
        Retries retries =
                ResourceCodec.parseHocon(route("retries {}"))
                        .get(0)
                        .getRoute()
                        .getRules(0)
                        .getRetries();
        assertThat(retries)
                .isEqualTo(
                        Retries.newBuilder()
                                .setAttempts(0)
                                .addOn("connect-failure")
                                .addOn("reset")
                                .setBackoffBaseMillis(25)
                                .setBackoffMaxMillis(250)
                                .build());
    }

    @Test
    void matchShorthandIsAListOfOne() {
        Resource shorthand =
                ResourceCodec.parseHocon(route("match { path-prefix = \"/api\", method = get }"))
                        .get(0);
        Resource longhand =
                ResourceCodec.parseHocon(
                                route("matches = [ { path-prefix = \"/api\", method = GET } ]"))
                        .get(0);
        assertThat(shorthand).isEqualTo(longhand);
        assertThat(shorthand.getRoute().getRules(0).getMatchesList())
                .containsExactly(
                        RouteMatch.newBuilder().setPathPrefix("/api").setMethod("GET").build());
    }

    @Test
    void aGrpcMatchNamesServiceAndMethod() {
        RouteMatch m =
                ResourceCodec.parseHocon(
                                route(
                                        "match { grpc { service = rhizome.example.Greeter, method = SayHello },"
                                                + " headers { x-canary = 1 } }"))
                        .get(0)
                        .getRoute()
                        .getRules(0)
                        .getMatches(0);
        assertThat(m.getGrpc())
                .isEqualTo(
                        io.rhizome.mesh.protocol.v1.GrpcMatch.newBuilder()
                                .setService("rhizome.example.Greeter")
                                .setMethod("SayHello")
                                .build());
        assertThat(m.getHeadersCount()).isEqualTo(1);
        RouteMatch r =
                ResourceCodec.parseHocon(
                                route("match { grpc { method = \"Say.*\", type = regex } }"))
                        .get(0)
                        .getRoute()
                        .getRules(0)
                        .getMatches(0);
        assertThat(r.getGrpc().getRegex()).isTrue();
        assertThat(r.getGrpc().getService()).isEmpty();
    }

    @Test
    void headerNamesAreLowerCasedAndQueryNamesKept() {
        RouteMatch m =
                ResourceCodec.parseHocon(
                                route(
                                        "match { headers { X-Canary = 1, X-User { regex = \"^a.*\" } }, query { Tab = all } }, "
                                                + "request-headers { set { X-A = 1 }, remove = [X-B] }"))
                        .get(0)
                        .getRoute()
                        .getRules(0)
                        .getMatches(0);
        assertThat(m.getHeadersList())
                .containsExactly(
                        ValueMatch.newBuilder().setName("x-canary").setExact("1").build(),
                        ValueMatch.newBuilder().setName("x-user").setRegex("^a.*").build());
        assertThat(m.getQueryList())
                .containsExactly(ValueMatch.newBuilder().setName("Tab").setExact("all").build());
    }

    @Test
    void destinationPolicyDefaultsAreFilledIn() {
        DestinationPolicySpec s =
                ResourceCodec.parseHocon(spec("DestinationPolicy", "service = orders"))
                        .get(0)
                        .getDestinationPolicy();
        assertThat(s.getLoadBalancer()).isEqualTo("round-robin");
        assertThat(s.hasHashOn()).isFalse();
        assertThat(s.getOutlierDetection().getConsecutiveErrors()).isEqualTo(5);
        assertThat(s.getOutlierDetection().getBaseEjectionMillis()).isEqualTo(10_000);
        assertThat(s.getOutlierDetection().getMaxEjectionPercent()).isEqualTo(50);
        assertThat(s.getCircuitBreaker().getMaxConnections()).isZero();
        assertThat(s.getRetryBudget().getRatio()).isEqualTo(0.2);
        assertThat(s.getRetryBudget().getMinPerSecond()).isEqualTo(10);
        assertThat(s.getConnectTimeoutMillis()).isEqualTo(1000);
    }

    @Test
    void rateLimitBurstDefaultsToTheRateRoundedUp() {
        RateLimitSpec s =
                ResourceCodec.parseHocon(
                                spec("RateLimit", "service = orders, requests-per-second = 12.5"))
                        .get(0)
                        .getRateLimit();
        assertThat(s.getBurst()).isEqualTo(13);
        assertThat(s.getRoute()).isEmpty();
        assertThat(s.getPerCaller()).isFalse();
        assertThat(s.getGlobal()).isFalse();
    }

    @Test
    void authorizationDefaultsToAllow() {
        AuthorizationSpec s =
                ResourceCodec.parseHocon(spec("Authorization", "service = orders"))
                        .get(0)
                        .getAuthorization();
        assertThat(s.getDefaultAction()).isEqualTo("allow");
        assertThat(s.getRulesList()).isEmpty();
    }

    @Test
    void durationsMayBeNumbersOfMilliseconds() {
        assertThat(
                        ResourceCodec.parseJson(
                                        """
                {"kind": "Route", "name": "orders", "spec": {"service": "orders", "rules": [ {"timeout": 1500} ]}}""")
                                .get(0)
                                .getRoute()
                                .getRules(0)
                                .getTimeoutMillis())
                .isEqualTo(1500);
    }

    @Test
    void readsTheThreeJsonShapes() {
        String one =
                "{\"kind\": \"RateLimit\", \"name\": \"a\", \"spec\": {\"service\": \"orders\", \"requests-per-second\": 5}}";
        String two = one.replace("\"a\"", "\"b\"");
        assertThat(ResourceCodec.parseJson(one)).hasSize(1);
        assertThat(ResourceCodec.parseJson("{\"resources\": [" + one + ", " + two + "]}"))
                .hasSize(2);
        assertThat(ResourceCodec.parseJson("[" + one + ", " + two + "]"))
                .extracting(Resource::getName)
                .containsExactly("a", "b");
        assertThat(ResourceCodec.parseJson("[]")).isEmpty();
    }

    @Test
    void readsAnAlreadyParsedTreeSuchAsYaml() {
        Map<String, Object> tree =
                Map.of(
                        "kind",
                        "authorization",
                        "name",
                        "orders-authz",
                        "spec",
                        Map.of(
                                "service",
                                "orders",
                                "default",
                                "deny",
                                "rules",
                                List.of(
                                        Map.of(
                                                "action",
                                                "allow",
                                                "from",
                                                List.of("spiffe://mesh.local/service/*"),
                                                "methods",
                                                List.of("get")))));
        AuthorizationSpec s =
                ResourceCodec.parseDocument(ConfigValueFactory.fromMap(tree).toConfig())
                        .get(0)
                        .getAuthorization();
        assertThat(s.getDefaultAction()).isEqualTo("deny");
        assertThat(s.getRules(0).getMethodsList()).containsExactly("GET");
    }

    @Test
    void metadataIsAcceptedAndIgnored() {
        Resource r =
                ResourceCodec.parseHocon(
                                route("")
                                        + ", version = \"1700000000000.3@node-1\", writer = node-1,"
                                        + " written-at = \"2023-11-14T22:13:20Z\"")
                        .get(0);
        assertThat(r.hasVersion()).isFalse();
        assertThat(r.getWriter()).isEmpty();
    }
}
