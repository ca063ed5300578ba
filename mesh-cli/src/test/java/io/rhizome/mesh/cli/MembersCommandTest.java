package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MembersCommandTest {

    private static final String MEMBERS =
            """
      {"members": [
        {"name": "node-a", "address": "pekko://rhizome@10.0.0.1:2551", "status": "Up",
         "reachable": true, "services": ["orders", "payments"], "version": "0.1.0",
         "uptime-seconds": 192, "protocol-version": 1},
        {"name": "node-b", "address": "pekko://rhizome@10.0.0.2:2551", "status": "Up",
         "reachable": false, "services": [], "version": "unknown", "uptime-seconds": 7500},
        {"name": "node-c", "address": "pekko://rhizome@10.0.0.3:2551", "status": "Joining",
         "reachable": true, "services": ["orders"], "version": "0.1.0", "uptime-seconds": 45,
         "a-field-from-a-newer-node": {"x": 1}}
      ]}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/members", MEMBERS);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void printsMembersAsAnAlignedTable() {
        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines())
                .containsExactly(
                        "NAME     ADDRESS                         STATUS        REACHABLE   SERVICES          VERSION   UPTIME",
                        "node-a   pekko://rhizome@10.0.0.1:2551   Up            yes         orders,payments   0.1.0     3m12s",
                        "node-b   pekko://rhizome@10.0.0.2:2551   Unreachable   no          -                 unknown   2h05m",
                        "node-c   pekko://rhizome@10.0.0.3:2551   Joining       yes         orders            0.1.0     45s");
        assertThat(node.requests())
                .singleElement()
                .satisfies(
                        request -> {
                            assertThat(request.method()).isEqualTo("GET");
                            assertThat(request.accept()).isEqualTo("application/json");
                        });
    }

    @Test
    void printsJsonWithKebabCaseKeysAndEveryField() {
        Cli.Result result = Cli.run("--node", node.address(), "members", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith("{\n  \"members\": [{")
                .contains("\"name\": \"node-b\"")
                .contains("\"reachable\": false")
                .contains("\"services\": []")
                .contains("\"uptime-seconds\": 7500")
                .contains("\"protocol-version\": 0")
                .doesNotContain("a-field-from-a-newer-node")
                .doesNotContain("uptimeSeconds");
    }

    @Test
    void printsOnlyTheHeaderWhenTheMeshIsEmpty() throws IOException {
        node.answer("/v1/members", "{}");

        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines())
                .containsExactly(
                        "NAME   ADDRESS   STATUS   REACHABLE   SERVICES   VERSION   UPTIME");
    }

    @Test
    void talksToTheNodeNamedByMeshNode() {
        Cli.Result result = Cli.run(Map.of("MESH_NODE", node.address()), "members");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines()).hasSize(4);
        assertThat(node.requests()).hasSize(1);
    }

    @Test
    void nodeOptionWinsOverMeshNode() throws IOException {
        Cli.Result result =
                Cli.run(
                        Map.of("MESH_NODE", "127.0.0.1:" + closedPort()),
                        "--node",
                        node.address(),
                        "members");

        assertThat(result.exitCode()).isZero();
        assertThat(node.requests()).hasSize(1);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
