package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EndpointsCommandTest {

    private static final String ENDPOINTS =
            """
      {"service": "orders", "endpoints": [
        {"node": "node-a", "address": "10.0.0.1:8080", "inbound": "10.0.0.1:15006",
         "labels": {"zone": "eu-1", "version": "v2"}, "status": "SERVING",
         "reachable": true, "routable": true, "reason": ""},
        {"node": "node-b", "address": "10.0.0.2:8080", "inbound": "10.0.0.2:15006",
         "labels": {}, "status": "NOT_SERVING", "reachable": true, "routable": false,
         "reason": "health check failing"}
      ]}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/services/orders/endpoints", ENDPOINTS);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void printsEndpointsWithReasonsAndSortedLabels() {
        Cli.Result result = Cli.run("--node", node.address(), "endpoints", "orders");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines())
                .containsExactly(
                        "NODE     ADDRESS         INBOUND          STATUS        REACHABLE   ROUTABLE   REASON                 LABELS",
                        "node-a   10.0.0.1:8080   10.0.0.1:15006   SERVING       yes         yes        -                      version=v2,zone=eu-1",
                        "node-b   10.0.0.2:8080   10.0.0.2:15006   NOT_SERVING   yes         no         health check failing   -");
    }

    @Test
    void printsJsonWithLabelsAsAnObject() {
        Cli.Result result = Cli.run("--node", node.address(), "endpoints", "orders", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith("{\n  \"service\": \"orders\",")
                .contains(
                        "\"labels\": {\n      \"zone\": \"eu-1\",\n      \"version\": \"v2\"\n    }")
                .contains("\"labels\": {\n    }")
                .contains("\"routable\": false")
                .contains("\"reason\": \"\"");
    }

    @Test
    void encodesTheServiceNameAsOnePathSegment() {
        node.answer(
                "/v1/services/billing%20v2%2Fbeta/endpoints", "{\"service\": \"billing v2/beta\"}");

        Cli.Result result = Cli.run("--node", node.address(), "endpoints", "billing v2/beta");

        assertThat(result.exitCode()).isZero();
        assertThat(node.requests())
                .extracting(FakeNode.Request::path)
                .containsExactly("/v1/services/billing%20v2%2Fbeta/endpoints");
    }

    @Test
    void unknownServiceIsOneLineAndExitCodeOne() {
        node.answer(
                "/v1/services/nope/endpoints",
                404,
                "{\"error\": \"not-found\", \"message\": \"service 'nope' is not registered\"}");

        Cli.Result result = Cli.run("--node", node.address(), "endpoints", "nope");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines()).containsExactly("meshctl: service 'nope' is not registered");
    }

    @Test
    void missingServiceIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "endpoints");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Missing required parameter: 'SERVICE' (see 'meshctl endpoints --help')");
        assertThat(node.requests()).isEmpty();
    }
}
