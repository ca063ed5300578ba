package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every command shares: node selection, auth, usage errors and exit codes. */
class MeshctlTest {

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/members", "{\"members\": []}");
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void helpListsTheCommands() {
        Cli.Result result = Cli.run("--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains(
                        "Usage: meshctl [-hV] [--node=HOST:PORT] [--tls-ca=FILE] [--tls-cert=FILE]")
                .contains("members", "services", "endpoints", "version", "MESH_NODE", "MESH_TOKEN")
                .contains("MESH_CA", "MESH_CERT", "MESH_KEY")
                .contains("apply", "get", "delete", "check");
    }

    @Test
    void commandHelpShowsTheOutputOption() {
        Cli.Result result = Cli.run("members", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("Usage: meshctl members").contains("-o, --output=FORMAT");
    }

    @Test
    void versionPrintsTheBuildVersion() {
        Cli.Result command = Cli.run("version");
        Cli.Result option = Cli.run("--version");

        assertThat(command.exitCode()).isZero();
        // Run from target/classes there is no manifest, hence "dev".
        assertThat(command.outLines()).containsExactly("meshctl dev");
        assertThat(option.outLines()).containsExactly("meshctl dev");
    }

    @Test
    void unknownOptionIsOneLineAndExitCodeTwo() {
        Cli.Result result = Cli.run("--foo", "members");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines())
                .containsExactly("meshctl: Unknown option: '--foo' (see 'meshctl --help')");
    }

    @Test
    void unknownOptionOfACommandPointsAtThatCommandsHelp() {
        Cli.Result result = Cli.run("--node", node.address(), "members", "--foo");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly("meshctl: Unknown option: '--foo' (see 'meshctl members --help')");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void misspeltCommandSuggestsTheRightOne() {
        Cli.Result result = Cli.run("memebrs");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: ")
                .contains("'memebrs'")
                .contains("did you mean 'members'?");
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result result = Cli.run();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly("meshctl: Missing command (see 'meshctl --help')");
    }

    @Test
    void unknownOutputFormatIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "members", "-o", "yaml");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Invalid value for option '--output': 'yaml' (expected: table or json)"
                                + " (see 'meshctl members --help')");
    }

    @Test
    void malformedNodeIsAUsageError() {
        Cli.Result option = Cli.run("--node", "node-a", "members");
        Cli.Result env = Cli.run(Map.of("MESH_NODE", "node-a:99999"), "members");

        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.errLines())
                .singleElement()
                .asString()
                .contains("--node: 'node-a' (expected: host:port, e.g. 127.0.0.1:9901)");
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.errLines())
                .containsExactly(
                        "meshctl: MESH_NODE: 'node-a:99999' (expected: host:port, e.g. 127.0.0.1:9901)");
    }

    @Test
    void acceptsAnHttpUrlAsNode() {
        Cli.Result result = Cli.run("--node", "http://" + node.address() + "/", "members");

        assertThat(result.exitCode()).isZero();
        assertThat(node.requests())
                .extracting(FakeNode.Request::path)
                .containsExactly("/v1/members");
    }

    @Test
    void unreachableNodeIsOneLineAndExitCodeThree() throws IOException {
        String closed = "127.0.0.1:" + closedPort();

        Cli.Result result = Cli.run("--node", closed, "members");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines())
                .containsExactly("meshctl: cannot reach node " + closed + ": connection refused");
    }

    @Test
    void unknownHostIsUnreachable() {
        Cli.Result result = Cli.run("--node", "no-such-node.invalid:9901", "members");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: cannot reach node no-such-node.invalid:9901: unknown host no-such-node.invalid");
    }

    @Test
    void sendsTheBearerTokenFromMeshToken() {
        Cli.Result result =
                Cli.run(Map.of("MESH_TOKEN", "s3cret"), "--node", node.address(), "members");

        assertThat(result.exitCode()).isZero();
        assertThat(node.requests())
                .extracting(FakeNode.Request::authorization)
                .containsExactly("Bearer s3cret");
    }

    @Test
    void theTokenNeverAppearsInWhatMeshctlPrints() {
        String token = "s3cret-token-value";
        node.answer("/v1/members", 401, "");
        Cli.Result refused =
                Cli.run(Map.of("MESH_TOKEN", token), "--node", node.address(), "members");
        Cli.Result broken =
                Cli.run(
                        Map.of("MESH_TOKEN", token + "\u0001x"),
                        "--node",
                        node.address(),
                        "members");
        Cli.Result unreachable =
                Cli.run(
                        Map.of("MESH_TOKEN", token),
                        "--node",
                        "127.0.0.1:1",
                        "members",
                        "-o",
                        "json");

        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.errLines())
                .containsExactly(
                        "meshctl: MESH_TOKEN: (not shown) cannot be sent in a header (expected: printable ASCII without spaces)");
        for (Cli.Result r : List.of(refused, broken, unreachable)) {
            assertThat(r.exitCode()).isNotZero();
            assertThat(String.join("\n", r.outLines()) + String.join("\n", r.errLines()))
                    .doesNotContain(token);
        }
    }

    @Test
    void sendsNoAuthorizationWithoutMeshToken() {
        Cli.run("--node", node.address(), "members");

        assertThat(node.requests()).extracting(FakeNode.Request::authorization).containsOnlyNulls();
    }

    @Test
    void refusalWithoutAnErrorBodyShowsTheStatus() {
        node.answer("/v1/members", 500, "<html>upstream exploded</html>");

        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("meshctl: GET /v1/members: HTTP 500");
    }

    @Test
    void unauthorizedWithoutABodyHintsAtTheToken() {
        node.answer("/v1/members", 401, "");

        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: GET /v1/members: HTTP 401 Unauthorized (is MESH_TOKEN set?)");
    }

    @Test
    void unreadableSuccessIsARefusal() {
        node.answer("/v1/members", "{\"members\": 42}");

        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: node sent an unreadable answer to GET /v1/members: ");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
