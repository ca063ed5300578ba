package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a user sees when a node cannot start, or cannot join: one line, a clear exit code. */
class NodeStartupIT {

    private static Processes.Result startNode(Path config) throws Exception {
        return Processes.run(
                List.of(
                        Processes.ROOT.resolve("bin/mesh-node").toString(),
                        "--config",
                        config.toString()),
                Map.of());
    }

    private static Path config(String name, String body) throws Exception {
        Files.createDirectories(Processes.WORK);
        Path file = Processes.WORK.resolve(name + ".conf");
        Files.writeString(file, body);
        return file;
    }

    @Test
    void invalidConfigurationStopsTheNodeWithOneLineNamingTheKey() throws Exception {
        Processes.Result r =
                startNode(
                        config(
                                "bad-port",
                                """
                rhizome { node.name = "x", admin.port = "abc" }
                """));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr().strip())
                .isEqualTo(
                        "mesh-node: rhizome.admin.port: \"abc\" (expected: an integer 1..65535)");

        Processes.Result unknown =
                startNode(
                        config(
                                "unknown-key",
                                """
                rhizome { node.name = "x", outbound { hots = "127.0.0.1" } }
                """));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr().strip().lines()).hasSize(1);
        assertThat(unknown.stderr()).contains("rhizome.outbound.hots: unknown key");

        Processes.Result duplicate =
                startNode(
                        config(
                                "duplicate-service",
                                """
                rhizome {
                  node.name = "x"
                  services = [ { name = a, address = "127.0.0.1:1" }, { name = a, address = "127.0.0.1:2" } ]
                }
                """));
        assertThat(duplicate.exitCode()).isEqualTo(2);
        assertThat(duplicate.stderr()).contains("rhizome.services[1].name: \"a\"");

        Processes.Result address =
                startNode(
                        config(
                                "bad-address",
                                """
                rhizome { node.name = "x", services = [ { name = a, address = "localhost" } ] }
                """));
        assertThat(address.exitCode()).isEqualTo(2);
        assertThat(address.stderr().strip())
                .isEqualTo(
                        "mesh-node: rhizome.services[0].address: \"localhost\" (expected: host:port with a port 1..65535)");

        Processes.Result missing =
                Processes.run(
                        List.of(
                                Processes.ROOT.resolve("bin/mesh-node").toString(),
                                "--config",
                                "/nonexistent/node.conf"),
                        Map.of());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr().strip().lines()).hasSize(1);
    }

    @Test
    void aPortInUseIsOneLineNamingThePort() throws Exception {
        try (ServerSocket taken =
                new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            TestMesh.NodePorts p = TestMesh.NodePorts.free();
            Path file =
                    config(
                            "port-in-use",
                            """
                    rhizome {
                      node.name = "busy"
                      cluster { port = %d, profile = fast }
                      admin.port = %d
                      outbound.port = %d
                      inbound.port = %d
                      data-dir = "%s"
                    }
                    """
                                    .formatted(
                                            p.cluster(),
                                            p.admin(),
                                            taken.getLocalPort(),
                                            p.inbound(),
                                            Processes.WORK.resolve("data/busy")));
            Processes.Result r = startNode(file);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip())
                    .isEqualTo(
                            "mesh-node: rhizome.outbound.port: 127.0.0.1:"
                                    + taken.getLocalPort()
                                    + " is already in use (expected: a free port)");
        }
    }

    @Test
    void withUnreachableSeedsTheNodeKeepsTryingAndIsNotReady() throws Exception {
        TestMesh.NodePorts p = TestMesh.NodePorts.free();
        int deadSeed = FreePorts.next();
        Path file = TestMesh.writeConfig("lonely", p, List.of("127.0.0.1:" + deadSeed), "");
        Processes.Started node = Processes.node("lonely", file);
        try {
            Eventually.until(
                    "admin API answers",
                    Duration.ofSeconds(30),
                    () -> TestMesh.status("http://" + p.adminAddress() + "/healthz") == 200);
            var ready = TestMesh.get("http://" + p.adminAddress() + "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body())
                    .contains("\"ready\": false")
                    .contains("\"listeners-bound\": true");
            Eventually.until(
                    "a warning about the seed nodes",
                    Duration.ofSeconds(15),
                    () ->
                            node.logText().contains("WARN")
                                    && node.logText().contains("not a cluster member yet"));
            assertThat(node.process().isAlive()).isTrue();
            assertThat(TestMesh.status("http://" + p.adminAddress() + "/readyz")).isEqualTo(503);
        } finally {
            node.sigkill();
        }
    }
}
