package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.pki.CertificateAuthority;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * meshctl against an HTTPS admin API ({@code rhizome.admin.tls}): it trusts the node by the bundle
 * and SPIFFE trust domain (not by host name), presents its client certificate, and turns every
 * missing, mismatched or untrusted file into one line and an exit code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshctlTlsTest {

    @TempDir static Path dir;
    private FakeNode node;
    private FakeNode impostor;

    @BeforeAll
    void mint() throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("ops", Duration.ofHours(1)), dir.resolve("ops"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
        CertificateAuthority other =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        node =
                FakeNode.startHttps(
                        ca.issueWorkload("orders", Duration.ofHours(1)), ca.certificate());
        impostor =
                FakeNode.startHttps(
                        other.issueWorkload("orders", Duration.ofHours(1)), ca.certificate());
    }

    @BeforeEach
    void answers() {
        node.answer("/v1/members", "{\"members\": []}");
        impostor.answer("/v1/members", "{\"members\": []}");
    }

    @AfterAll
    void stop() {
        node.close();
        impostor.close();
    }

    private String file(String pki, String name) {
        return dir.resolve(pki).resolve(name).toString();
    }

    @Test
    void presentsItsCertificateOverHttpsToTheNodeOfTheBundle() {
        int before = node.requests().size();
        Cli.Result result =
                Cli.run(
                        "--node",
                        "https://" + node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "--tls-cert",
                        file("ops", "cert.pem"),
                        "--tls-key",
                        file("ops", "key.pem"),
                        "members");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(node.requests().subList(before, node.requests().size()))
                .extracting(FakeNode.Request::clientIdentity)
                .containsExactly("spiffe://example.org/service/ops");
    }

    @Test
    void readsTheFilesFromTheEnvironmentAndTalksHttpsToAPlainHostPort() {
        int before = node.requests().size();
        Cli.Result result =
                Cli.run(
                        Map.of(
                                "MESH_NODE",
                                node.address(),
                                "MESH_CA",
                                file("ca", "ca.pem"),
                                "MESH_CERT",
                                file("web", "cert.pem"),
                                "MESH_KEY",
                                file("web", "key.pem")),
                        "members");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(node.requests().subList(before, node.requests().size()))
                .extracting(FakeNode.Request::clientIdentity)
                .containsExactly("spiffe://example.org/service/web");
    }

    @Test
    void withOnlyTheBundleItSendsNoCertificateButTheToken() {
        int before = node.requests().size();
        Cli.Result result =
                Cli.run(
                        Map.of("MESH_TOKEN", "s3cret-token-value"),
                        "--node",
                        node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "members");

        assertThat(result.exitCode()).as(result.err()).isZero();
        FakeNode.Request request = node.requests().get(before);
        assertThat(request.clientIdentity()).isNull();
        assertThat(request.authorization()).isEqualTo("Bearer s3cret-token-value");
    }

    @Test
    void anExplicitHttpNodeIsPlainEvenWithTheTlsFilesInTheEnvironment() throws Exception {
        try (FakeNode plain = FakeNode.start().answer("/v1/members", "{\"members\": []}")) {
            Cli.Result result =
                    Cli.run(
                            Map.of(
                                    "MESH_CA",
                                    file("ca", "ca.pem"),
                                    "MESH_CERT",
                                    file("ops", "cert.pem"),
                                    "MESH_KEY",
                                    file("ops", "key.pem")),
                            "--node",
                            "http://" + plain.address(),
                            "members");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(plain.requests()).hasSize(1);
        }
    }

    @Test
    void plainHttpToAnHttpsNodeSaysWhatToGive() {
        Cli.Result result = Cli.run("--node", node.address(), "members");

        assertThat(result.exitCode()).isEqualTo(Meshctl.EXIT_UNREACHABLE);
        assertThat(result.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: cannot reach node " + node.address() + ": ")
                .endsWith(
                        "(a node with rhizome.admin.tls on speaks HTTPS only: --tls-ca or $MESH_CA)");
    }

    @Test
    void aNodeWhoseCertificateIsNotOfTheBundleIsNeverAsked() {
        int before = impostor.requests().size();
        Cli.Result result =
                Cli.run(
                        "--node",
                        impostor.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "--tls-cert",
                        file("ops", "cert.pem"),
                        "--tls-key",
                        file("ops", "key.pem"),
                        "members");

        assertThat(result.exitCode()).isEqualTo(Meshctl.EXIT_UNREACHABLE);
        assertThat(result.errLines()).hasSize(1);
        assertThat(result.err())
                .contains("the node's certificate is not trusted")
                .contains("does not chain to the trust bundle");
        assertThat(impostor.requests()).hasSize(before);
    }

    @Test
    void aPinnedNodeIdentityIsCheckedBeforeAnythingIsSent() {
        int before = node.requests().size();
        Cli.Result pinned =
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "--tls-node-identity",
                        "spiffe://example.org/service/orders",
                        "members");
        Cli.Result pattern =
                Cli.run(
                        Map.of(
                                "MESH_NODE_IDENTITY",
                                "spiffe://example.org/service/web, spiffe://example.org/service/ord*"),
                        "--node",
                        node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "members");
        assertThat(pinned.exitCode()).as(pinned.err()).isZero();
        assertThat(pattern.exitCode()).as(pattern.err()).isZero();
        assertThat(node.requests()).hasSize(before + 2);

        Cli.Result other =
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "--tls-node-identity",
                        "spiffe://example.org/service/web",
                        "members");
        assertThat(other.exitCode()).isEqualTo(Meshctl.EXIT_UNREACHABLE);
        assertThat(other.errLines())
                .singleElement()
                .asString()
                .contains(
                        "the node presented spiffe://example.org/service/orders (expected: spiffe://example.org/service/web,");
        assertThat(node.requests()).as("nothing sent to the wrong node").hasSize(before + 2);

        assertUsage(
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-node-identity",
                        "spiffe://example.org/service/orders",
                        "members"),
                "meshctl: --tls-node-identity: set for the plain-HTTP node "
                        + node.address()
                        + " (expected: --tls-ca or $MESH_CA, for a node whose admin API is HTTPS)");
        assertUsage(
                Cli.run(
                        Map.of("MESH_NODE_IDENTITY", "spiffe://example.org/service/orders"),
                        "--node",
                        node.address(),
                        "members"),
                "meshctl: MESH_NODE_IDENTITY: set for the plain-HTTP node "
                        + node.address()
                        + " (expected: --tls-ca or $MESH_CA, for a node whose admin API is HTTPS)");
        assertUsage(
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-ca",
                        file("ca", "ca.pem"),
                        "--tls-node-identity",
                        "orders",
                        "members"),
                "meshctl: --tls-node-identity: 'orders' (expected: \"spiffe://DOMAIN/service/NAME\" ('*' within NAME matches any characters))");
    }

    @Test
    void badTlsOptionsAreOneLineAndExitCodeTwo() {
        String ca = file("ca", "ca.pem");
        assertUsage(
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-ca",
                        ca,
                        "--tls-cert",
                        file("ops", "cert.pem"),
                        "members"),
                "meshctl: --tls-key: missing while --tls-cert is set (expected: the certificate's private key (PEM), or $MESH_KEY)");
        assertUsage(
                Cli.run("--node", "https://" + node.address(), "members"),
                "meshctl: --tls-ca: missing for https://"
                        + node.address()
                        + " (expected: the trust bundle (PEM) the node's certificate chains to, or $MESH_CA)");
        assertUsage(
                Cli.run("--node", "http://" + node.address(), "--tls-ca", ca, "members"),
                "meshctl: --node: 'http://"
                        + node.address()
                        + "' is plain HTTP while TLS files are given (expected: https://host:port or host:port)");
        assertUsage(
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-cert",
                        file("ops", "cert.pem"),
                        "--tls-key",
                        file("ops", "key.pem"),
                        "members"),
                "meshctl: --tls-ca: missing while a client certificate is given (expected: the trust bundle (PEM) the node's"
                        + " certificate chains to, or $MESH_CA)");
        assertUsage(
                Cli.run(
                        "--node",
                        node.address(),
                        "--tls-ca",
                        ca,
                        "--tls-cert",
                        file("ops", "cert.pem"),
                        "--tls-key",
                        file("web", "key.pem"),
                        "members"),
                "meshctl: --tls-key: \""
                        + file("web", "key.pem")
                        + "\" is not the key of the certificate in \""
                        + file("ops", "cert.pem")
                        + "\"");
        Cli.Result missing =
                Cli.run("--node", node.address(), "--tls-ca", file("ca", "nothing.pem"), "members");
        assertThat(missing.exitCode()).isEqualTo(Meshctl.EXIT_USAGE);
        assertThat(missing.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: --tls-ca: ")
                .contains("nothing.pem");
        Cli.Result keyAsCa =
                Cli.run("--node", node.address(), "--tls-ca", file("ops", "key.pem"), "members");
        assertThat(keyAsCa.exitCode()).isEqualTo(Meshctl.EXIT_USAGE);
        assertThat(keyAsCa.errLines()).singleElement().asString().startsWith("meshctl: --tls-ca: ");
    }

    private static void assertUsage(Cli.Result result, String line) {
        assertThat(result.exitCode()).isEqualTo(Meshctl.EXIT_USAGE);
        assertThat(result.errLines()).containsExactly(line);
        assertThat(result.out()).isEmpty();
    }
}
