package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GetCommandTest {

    private static final Instant NOW = Instant.now();

    private static final String CANARY =
            """
      {"kind": "Route", "name": "echo-canary",
       "spec": {"service": "echo", "rules": [{"backends": [
         {"subset": {"version": "v2"}, "weight": 10}, {"weight": 90}], "timeout": "2s"}]},
       "version": "42", "writer": "node-1", "written-at": "%s"}
      """
                    .formatted(NOW.minus(Duration.ofMinutes(3).plusSeconds(30)));

    private static final String ROUTES =
            """
      {"resources": [
        %s,
        {"kind": "Route", "name": "orders", "spec": {"service": "orders"},
         "version": "7", "writer": "node-2", "written-at": "%s"},
        {"kind": "Route", "name": "legacy", "spec": {"service": "billing"},
         "version": "1", "writer": "node-3", "written-at": "%s"}
      ]}
      """
                    .formatted(
                            CANARY,
                            NOW.minus(Duration.ofHours(2).plusMinutes(10)),
                            NOW.minus(Duration.ofDays(4)));

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node =
                FakeNode.start()
                        .answer("/v1/resources/route", ROUTES)
                        .answer("/v1/resources/route/echo-canary", CANARY);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void listsAKindAsATable() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "routes");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines())
                .containsExactly(
                        "NAME          SERVICE   VERSION   WRITER   AGE",
                        "echo-canary   echo      42        node-1   3m",
                        "orders        orders    7         node-2   2h",
                        "legacy        billing   1         node-3   4d");
        assertThat(node.requests())
                .singleElement()
                .satisfies(
                        request -> {
                            assertThat(request.method()).isEqualTo("GET");
                            assertThat(request.path()).isEqualTo("/v1/resources/route");
                        });
    }

    @Test
    void showsOneResourceAsARow() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "Route", "echo-canary");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines())
                .containsExactly(
                        "NAME          SERVICE   VERSION   WRITER   AGE",
                        "echo-canary   echo      42        node-1   3m");
        assertThat(node.requests())
                .extracting(FakeNode.Request::path)
                .containsExactly("/v1/resources/route/echo-canary");
    }

    @Test
    void anEmptyKindIsJustTheHeader() {
        node.answer("/v1/resources/ratelimit", "{\"resources\": []}");

        Cli.Result result = Cli.run("--node", node.address(), "get", "ratelimit");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines()).containsExactly("NAME   SERVICE   VERSION   WRITER   AGE");
    }

    @Test
    void jsonIsTheServedResourcePrettyPrinted() {
        Cli.Result result =
                Cli.run("--node", node.address(), "get", "route", "echo-canary", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith(
                        "{\n  \"kind\": \"Route\",\n  \"name\": \"echo-canary\",\n  \"spec\": {\n");
        assertThat(Json.parse(result.out())).isEqualTo(Json.parse(CANARY));
    }

    @Test
    void jsonOfAListIsTheServedList() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "route", "-o", "json");

        assertThat(Json.parse(result.out())).isEqualTo(Json.parse(ROUTES));
    }

    @Test
    void jsonOutputAppliesBackUnchanged() {
        String printed =
                Cli.run("--node", node.address(), "get", "route", "echo-canary", "-o", "json")
                        .out();
        node.answer("/v1/apply", "{\"results\": [], \"seen-by\": 1, \"members\": 1}");

        Cli.Result applied =
                Cli.runWithStdin(
                        printed, java.util.Map.of(), "--node", node.address(), "apply", "-f", "-");

        assertThat(applied.exitCode()).isZero();
        assertThat(Json.parse(node.requests().get(1).body())).isEqualTo(Json.parse(CANARY));
    }

    @Test
    void hoconIsTheServedResourceAsHocon() {
        Cli.Result result =
                Cli.run("--node", node.address(), "get", "route", "echo-canary", "-o", "hocon");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .containsPattern("(?m)^kind ?= ?Route$")
                .contains("service")
                .doesNotContain("\"kind\"");
        assertThat(ConfigFactory.parseString(result.out()))
                .isEqualTo(ConfigFactory.parseString(CANARY));
    }

    @Test
    void hoconOfAListIsAResourcesList() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "route", "-o", "HOCON");

        assertThat(result.out()).startsWith("resources=[");
        assertThat(ConfigFactory.parseString(result.out()))
                .isEqualTo(ConfigFactory.parseString(ROUTES));
    }

    @Test
    void kindsAreCaseInsensitiveWithAliases() {
        String[][] cases = {
            {"route", "route"},
            {"Route", "route"},
            {"ROUTES", "route"},
            {"dp", "destinationpolicy"},
            {"DestinationPolicy", "destinationpolicy"},
            {"destination-policy", "destinationpolicy"},
            {"destinationpolicies", "destinationpolicy"},
            {"ratelimit", "ratelimit"},
            {"rate-limit", "ratelimit"},
            {"RateLimits", "ratelimit"},
            {"authz", "authorization"},
            {"Authorization", "authorization"},
            {"authorizations", "authorization"},
        };
        for (String[] kind : cases) {
            node.answer("/v1/resources/" + kind[1], "{\"resources\": []}");
        }

        for (String[] kind : cases) {
            assertThat(Cli.run("--node", node.address(), "get", kind[0]).exitCode())
                    .as(kind[0])
                    .isZero();
        }

        assertThat(node.requests())
                .extracting(FakeNode.Request::path)
                .containsExactly(
                        java.util.Arrays.stream(cases)
                                .map(kind -> "/v1/resources/" + kind[1])
                                .toArray(String[]::new));
    }

    @Test
    void anUnknownKindIsAUsageErrorListingTheKinds() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "gateway");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Invalid value for positional parameter at index 0 (KIND): 'gateway' (expected:"
                                + " route, destinationpolicy (dp), ratelimit or authorization (authz))"
                                + " (see 'meshctl get --help')");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void aKindTheNodeDoesNotKnowIsExitCodeOne() {
        node.answer(
                "/v1/resources/authorization",
                400,
                "{\"error\": \"unknown-kind\", \"message\": \"unknown kind 'authorization'\"}");

        Cli.Result result = Cli.run("--node", node.address(), "get", "authz");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("meshctl: unknown kind 'authorization'");
    }

    @Test
    void anUnknownNameIsOneLineAndExitCodeOne() {
        node.answer(
                "/v1/resources/route/nope",
                404,
                "{\"error\": \"not-found\", \"message\": \"no Route 'nope'\"}");

        Cli.Result result = Cli.run("--node", node.address(), "get", "route", "nope");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines()).containsExactly("meshctl: no Route 'nope'");
    }

    @Test
    void anUnknownOutputFormatIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "get", "route", "-o", "yaml");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Invalid value for option '--output': 'yaml' (expected: table, json or hocon)"
                                + " (see 'meshctl get --help')");
    }

    @Test
    void aMissingKindIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "get");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("'KIND'");
    }
}
