package io.rhizome.mesh.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsLoaderTest {

    private static NodeSettings load(String hocon) {
        return SettingsLoader.fromConfig(ConfigFactory.parseString(hocon));
    }

    @Test
    void minimalConfigTakesEveryOtherValueFromReferenceConf() {
        NodeSettings s = load("rhizome.node.name = node-1");

        assertThat(s.nodeName()).isEqualTo("node-1");
        assertThat(s.cluster().address()).isEqualTo(new HostPort("127.0.0.1", 2551));
        assertThat(s.cluster().seedNodes()).isEmpty();
        assertThat(s.cluster().profile()).isEqualTo(NodeSettings.Profile.PRODUCTION);
        assertThat(s.admin()).isEqualTo(new HostPort("127.0.0.1", 9901));
        assertThat(s.adminTokenSet()).isFalse();
        assertThat(s.outbound())
                .isEqualTo(
                        new NodeSettings.Outbound(
                                new HostPort("127.0.0.1", 15001),
                                NodeSettings.Egress.ALLOW,
                                "mesh"));
        assertThat(s.inbound()).isEqualTo(new HostPort("127.0.0.1", 15006));
        assertThat(s.inboundAdvertised()).isEqualTo(new HostPort("127.0.0.1", 15006));
        assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/rhizome"));
        assertThat(s.services()).isEmpty();
        assertThat(s.tlsEnabled()).isFalse();
        assertThat(s.proxy())
                .isEqualTo(
                        new NodeSettings.Proxy(
                                1,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(60),
                                8192,
                                16384,
                                65536,
                                100,
                                Duration.ofHours(1),
                                NodeSettings.PeerProtocol.HTTP1));
        assertThat(s.authorizationDefaultDeny()).isFalse();
        assertThat(s.shutdown())
                .isEqualTo(
                        new NodeSettings.Shutdown(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        // The whole configuration goes on to Pekko, reference.conf included.
        assertThat(s.pekko().getString("pekko.actor.provider")).isEqualTo("cluster");
    }

    @Test
    void theNodesZoneBecomesTheZoneLabelOfServicesThatHaveNone() {
        NodeSettings s =
                load(
                        """
                rhizome.node { name = node-1, zone = eu-1a }
                rhizome.services = [ { name = a, address = "h:1" }, { name = b, address = "h:2", labels { zone = eu-1b } } ]
                """);

        assertThat(s.zone()).isEqualTo("eu-1a");
        assertThat(s.services().get(0).labels()).containsEntry("zone", "eu-1a");
        assertThat(s.services().get(1).labels()).containsEntry("zone", "eu-1b");
        assertThat(load("rhizome.node.name = node-1").zone()).isEmpty();
    }

    @Test
    void wildcardInboundHostIsAdvertisedAsTheClusterHost() {
        NodeSettings s =
                load(
                        """
                rhizome.node.name = node-1
                rhizome.cluster.host = "10.0.0.5"
                rhizome.inbound { host = "0.0.0.0", port = 16006 }
                """);

        assertThat(s.inbound()).isEqualTo(new HostPort("0.0.0.0", 16006));
        assertThat(s.inboundAdvertised()).isEqualTo(new HostPort("10.0.0.5", 16006));
    }

    @Test
    void explicitAdvertiseHostWins() {
        NodeSettings s =
                load(
                        """
                rhizome.node.name = node-1
                rhizome.inbound { host = "0.0.0.0", advertise-host = "node-1.example" }
                """);

        assertThat(s.inboundAdvertised()).isEqualTo(new HostPort("node-1.example", 15006));
    }

    @Test
    void servicesKeepTheirLabelsAndHealthCheck() {
        NodeSettings s =
                load(
                        """
                rhizome.node.name = node-1
                rhizome.admin.token = "s3cret-s3cret-s3cret"
                rhizome.cluster.seed-nodes = ["10.0.0.1:2551", "[::1]:2552"]
                rhizome.services = [
                  { name = orders, address = "127.0.0.1:8080", labels { version = v1, zone = "eu-1" },
                    health-check { protocol = http, path = "/healthz", interval = 2s, unhealthy-threshold = 3 } }
                  { name = billing, address = "localhost:9090", protocol = http2 }
                ]
                """);

        assertThat(s.cluster().seedNodes())
                .containsExactly(new HostPort("10.0.0.1", 2551), new HostPort("::1", 2552));
        assertThat(s.adminTokenSet()).isTrue();
        assertThat(s.toString()).doesNotContain("s3cret");
        assertThat(s.pekko().getString("rhizome.admin.token")).isEqualTo("s3cret-s3cret-s3cret");
        assertThat(s.services())
                .containsExactly(
                        new ServiceSettings(
                                "orders",
                                new HostPort("127.0.0.1", 8080),
                                Map.of("version", "v1", "zone", "eu-1"),
                                new HealthCheckSettings(
                                        HealthCheckSettings.Protocol.HTTP,
                                        "/healthz",
                                        Duration.ofSeconds(2),
                                        Duration.ofSeconds(1),
                                        3,
                                        1)),
                        new ServiceSettings(
                                "billing",
                                new HostPort("localhost", 9090),
                                Map.of(),
                                HealthCheckSettings.DEFAULT,
                                ServiceSettings.Protocol.HTTP2));
        assertThat(s.services().get(0).protocol()).isEqualTo(ServiceSettings.Protocol.HTTP);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiterString = "=>",
            quoteCharacter = '`',
            textBlock =
                    """
            rhizome.admin.port = "abc"                          => rhizome.admin.port: "abc" (expected: an integer 1..65535)
            rhizome.admin.port = 70000                          => rhizome.admin.port: 70000 (expected: an integer 1..65535)
            rhizome.admin.prot = 9000                           => rhizome.admin.prot: unknown key (expected one of: [host, port, tls, token])
            rhizome.services = [{name = a, address = "h:1"}, {name = a, address = "h:2"}] => rhizome.services[1].name: "a" (expected: a name not already used by another service of this node)
            rhizome.services = [{name = a, address = "nohost"}] => rhizome.services[0].address: "nohost" (expected: host:port with a port 1..65535)
            rhizome.services = [{name = a, address = "h:99999"}] => rhizome.services[0].address: "h:99999" (expected: host:port with a port 1..65535)
            rhizome.services = [{name = a, address = "a:b:c"}]  => rhizome.services[0].address: "a:b:c" (expected: host:port with a port 1..65535)
            rhizome.services = [{name = a}]                     => rhizome.services[0].address: missing (expected: a string)
            rhizome.services = [{name = Orders, address = "h:1"}] => rhizome.services[0].name: "Orders" (expected: lower-case letters, digits and '-', at most 63)
            rhizome.services = [{name = a, address = "h:1", lables {v = 1}}] => rhizome.services[0].lables: unknown key (expected one of: [address, health-check, labels, name, protocol])
            rhizome.services = [{name = a, address = "h:1", health-check {path = healthz}}] => rhizome.services[0].health-check.path: "healthz" (expected: a path starting with '/')
            rhizome.services = [{name = a, address = "h:1", health-check {protocol = grpc}}] => rhizome.services[0].health-check.protocol: "grpc" (expected: tcp | http | none)
            rhizome.services = [{name = a, address = "h:1", protocol = grpc}] => rhizome.services[0].protocol: "grpc" (expected: http | http2 | tcp)
            rhizome.upstreams = [{service = cache}]              => rhizome.upstreams[0].listen: missing (expected: a string)
            rhizome.upstreams = [{service = Cache, listen = "127.0.0.1:16379"}] => rhizome.upstreams[0].service: "Cache" (expected: a service name: lower-case letters, digits and '-', at most 63)
            rhizome.upstreams = [{service = cache, listen = "16379"}] => rhizome.upstreams[0].listen: "16379" (expected: host:port with a port 1..65535)
            rhizome.upstreams = [{service = cache, listen = "127.0.0.1:15001"}] => rhizome.upstreams[0].listen: 127.0.0.1:15001 (expected: a port not used by the node or another upstream)
            rhizome.upstreams = [{service = cache, listen = "127.0.0.1:1", port = 2}] => rhizome.upstreams[0].port: unknown key (expected one of: [listen, service])
            rhizome.upstreams = {service = cache}                => rhizome.upstreams: {"service":"cache"} (expected: a list of { service, listen } objects)
            rhizome.proxy.tunnel-idle-timeout = 0s               => rhizome.proxy.tunnel-idle-timeout: "0s" (expected: a duration 1s..7d)
            rhizome.node.name = ""                              => rhizome.node.name: missing (expected: a unique name such as "node-1")
            rhizome.outbound.egress = maybe                     => rhizome.outbound.egress: "maybe" (expected: allow | deny)
            rhizome.proxy.connect-timeout = soon                => rhizome.proxy.connect-timeout: "soon" (expected: a duration such as 500ms or 2s)
            rhizome.cluster.seed-nodes = ["10.0.0.1"]           => rhizome.cluster.seed-nodes[0]: "10.0.0.1" (expected: host:port with a port 1..65535)
            rhizome.cluster.seed-nodes = "10.0.0.1:2551"        => rhizome.cluster.seed-nodes: "10.0.0.1:2551" (expected: a list of "host:port" strings)
            rhizome.inbound.port = 15001                        => rhizome.inbound.port: 15001 (expected: a port not also used by rhizome.outbound.port)
            rhizome.cluster.profile = slow                      => rhizome.cluster.profile: "slow" (expected: production | fast)
            rhizome.tls.enabled = maybe                         => rhizome.tls.enabled: "maybe" (expected: on | off)
            rhizome.node.zone = "eu west"                       => rhizome.node.zone: "eu west" (expected: letters, digits, '.', '_' or '-', at most 63)
            """)
    void rejectsABadValueNamingTheKeyAndTheExpectedForm(String setting, String message) {
        // node.name first, so that the bad setting (which may override it) is the only problem
        String hocon = "rhizome.node.name = node-1\n" + setting;

        assertThatThrownBy(() -> load(hocon)).isInstanceOf(ConfigError.class).hasMessage(message);
    }

    @Test
    void aDurationOutOfItsRangeIsRejected() {
        assertThatThrownBy(
                        () ->
                                load(
                                        "rhizome.node.name = node-1\nrhizome.proxy.connect-timeout = 5m"))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith(
                        "rhizome.proxy.connect-timeout: \"5m\" (expected: a duration ");
    }

    @Test
    void anAdminApiOffLoopbackNeedsAToken() {
        assertThatThrownBy(
                        () -> load("rhizome.node.name = node-1\nrhizome.admin.host = \"0.0.0.0\""))
                .isInstanceOf(ConfigError.class)
                .hasMessage(
                        "rhizome.admin.token: missing while rhizome.admin.host = \"0.0.0.0\" is not loopback "
                                + "(expected: a secret token, rhizome.admin.tls.enabled = on with allowed-identities, or rhizome.admin.host = \"127.0.0.1\")");
        NodeSettings s =
                load(
                        "rhizome.node.name = node-1\nrhizome.admin { host = \"0.0.0.0\", token = \"0123456789abcdef\" }");
        assertThat(s.adminTokenSet()).isTrue();
        assertThat(
                        load("rhizome.node.name = node-1\nrhizome.admin.host = \"127.0.0.2\"")
                                .adminTokenSet())
                .isFalse();
        assertThat(load("rhizome.node.name = node-1\nrhizome.admin.host = \"::1\"").adminTokenSet())
                .isFalse();
        assertThat(
                        load("rhizome.node.name = node-1\nrhizome.admin.host = localhost")
                                .adminTokenSet())
                .isFalse();
    }

    @Test
    void aShortAdminTokenIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> load("rhizome.node.name = node-1\nrhizome.admin.token = hunter2"))
                .isInstanceOf(ConfigError.class)
                .hasMessage(
                        "rhizome.admin.token: (not shown) is 7 characters (expected: at least 16 printable ASCII characters without spaces)")
                .message()
                .doesNotContain("hunter2");
    }

    @Test
    void anUnknownTopLevelKeyListsTheKnownOnes() {
        assertThatThrownBy(() -> load("rhizome.node.name = node-1\nrhizome.nodename = node-1"))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith(
                        "rhizome.nodename: unknown key (expected one of: [access-log, admin, authorization, cluster, ")
                .hasMessageContaining(" node, ");
    }

    @Test
    void missingNodeNameIsReportedFirst() {
        assertThatThrownBy(() -> load(""))
                .isInstanceOf(ConfigError.class)
                .hasMessage(
                        "rhizome.node.name: missing (expected: a unique name such as \"node-1\")")
                .extracting(e -> ((ConfigError) e).key())
                .isEqualTo("rhizome.node.name");
    }

    @Test
    void missingFileIsOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("missing.conf");

        assertThatThrownBy(() -> SettingsLoader.load(missing))
                .isInstanceOf(ConfigError.class)
                .hasMessage("--config: \"" + missing + "\" (expected: a readable HOCON file)");
    }

    @Test
    void syntaxErrorIsOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "rhizome {\n  node.name = node-1\n  admin { port = 9901\n");

        assertThatThrownBy(() -> SettingsLoader.load(broken))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith(broken + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @Test
    void loadsAValidFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("node.conf");
        Files.writeString(
                file,
                """
                rhizome {
                  node.name = node-2
                  outbound.egress = deny
                }
                """);

        NodeSettings s = SettingsLoader.load(file);

        assertThat(s.nodeName()).isEqualTo("node-2");
        assertThat(s.outbound().egress()).isEqualTo(NodeSettings.Egress.DENY);
    }
}
