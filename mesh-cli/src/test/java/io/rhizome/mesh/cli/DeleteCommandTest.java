package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeleteCommandTest {

    private static final String DELETED =
            """
      {"results": [{"kind": "Route", "name": "echo-canary", "status": "deleted", "version": "44"}],
       "seen-by": 3, "members": 3, "replicating": false}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/resources/route/echo-canary", DELETED);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void deletesOneResource() {
        Cli.Result result = Cli.run("--node", node.address(), "delete", "Routes", "echo-canary");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines()).containsExactly("echo-canary  deleted  seen by 3/3 nodes");
        assertThat(node.requests())
                .singleElement()
                .satisfies(
                        request -> {
                            assertThat(request.method()).isEqualTo("DELETE");
                            assertThat(request.path()).isEqualTo("/v1/resources/route/echo-canary");
                        });
    }

    @Test
    void stillReplicatingIsExitZeroWithAWarning() {
        node.answer(
                "/v1/resources/destinationpolicy/echo",
                202,
                """
        {"results": [{"kind": "DestinationPolicy", "name": "echo", "status": "deleted"}],
         "seen-by": 1, "members": 3, "replicating": true}
        """);

        Cli.Result result = Cli.run("--node", node.address(), "delete", "dp", "echo");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines()).containsExactly("echo  deleted  seen by 1/3 nodes");
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: warning: accepted by "
                                + node.address()
                                + ", still replicating (seen by 1/3 nodes)");
    }

    @Test
    void jsonOutputIsTheNodesAnswer() {
        Cli.Result result =
                Cli.run("--node", node.address(), "delete", "route", "echo-canary", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(Json.parse(result.out())).isEqualTo(Json.parse(DELETED));
    }

    @Test
    void anUnknownResourceIsOneLineAndExitCodeOne() {
        node.answer(
                "/v1/resources/route/nope",
                404,
                "{\"error\": \"not-found\", \"message\": \"no Route 'nope'\"}");

        Cli.Result result = Cli.run("--node", node.address(), "delete", "route", "nope");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines()).containsExactly("meshctl: no Route 'nope'");
    }

    @Test
    void aMissingNameIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "delete", "route");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Missing required parameter: 'NAME' (see 'meshctl delete --help')");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void anUnknownKindIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "delete", "pods", "x");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(node.requests()).isEmpty();
    }
}
