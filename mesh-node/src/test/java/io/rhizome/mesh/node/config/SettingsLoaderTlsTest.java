package io.rhizome.mesh.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rhizome.tls and rhizome.identity: every file is checked at start, errors name the key. */
class SettingsLoaderTlsTest {
    @TempDir static Path dir;
    private static CertificateAuthority ca;

    @BeforeAll
    static void mint() {
        ca = CertificateAuthority.createRoot("example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        CertificateAuthority.writeIssued(
                ca.issueIntermediate("orders", Duration.ofDays(1)), dir.resolve("issuer"));
        CertificateAuthority foreign =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        CertificateAuthority.writeIssued(
                foreign.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("foreign"));
        Issued other = ca.issueWorkload("orders", Duration.ofHours(1));
        CertificateAuthority.writeIssued(other, dir.resolve("mismatch"));
        // cert.pem of one pair, key.pem of another
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("mismatch-key"));
        try {
            Files.copy(
                    dir.resolve("mismatch-key/key.pem"),
                    dir.resolve("mismatch/key.pem"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static NodeSettings load(String tls, String extra) {
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString(
                        "rhizome.node.name = n1\nrhizome.tls { " + tls + " }\n" + extra));
    }

    private static String files(String pki) {
        return "enabled = on, trust-bundle = \""
                + dir.resolve("ca/ca.pem")
                + "\", cert = \""
                + dir.resolve(pki + "/cert.pem")
                + "\", key = \""
                + dir.resolve(pki + "/key.pem")
                + "\"";
    }

    @Test
    void offChecksNoFile() {
        NodeSettings s = load("enabled = off, trust-bundle = \"/nowhere/ca.pem\"", "");
        assertThat(s.tlsEnabled()).isFalse();
        assertThat(s.tls().trustBundle()).isEqualTo(Path.of("/nowhere/ca.pem"));
    }

    @Test
    void fileModeTakesTheIdentityFromTheCertificate() {
        NodeSettings s = load(files("orders"), "");
        assertThat(s.tlsEnabled()).isTrue();
        assertThat(s.identityService()).isEqualTo("orders");
        assertThat(s.tls().reloadInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void selfIssuingModeNeedsAnIdentity() {
        String issuer =
                "enabled = on, trust-bundle = \""
                        + dir.resolve("ca/ca.pem")
                        + "\", issuer = \""
                        + dir.resolve("issuer")
                        + "\", workload-ttl = 1h";
        assertThat(load(issuer, "rhizome.identity.service = orders").tls().workloadTtl())
                .isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> load(issuer, ""))
                .hasMessageStartingWith(
                        "rhizome.identity.service: missing (expected: the service name");
    }

    @Test
    void badMaterialIsOneLineNamingTheKey() {
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders")
                                                .replace(
                                                        dir.resolve("ca/ca.pem").toString(),
                                                        "/nowhere/ca.pem"),
                                        ""))
                .hasMessage("rhizome.tls.trust-bundle: \"/nowhere/ca.pem\" does not exist");
        assertThatThrownBy(() -> load(files("nowhere"), ""))
                .hasMessage(
                        "rhizome.tls.cert: \""
                                + dir.resolve("nowhere/cert.pem")
                                + "\" does not exist");
        assertThatThrownBy(() -> load(files("mismatch"), ""))
                .hasMessageStartingWith(
                        "rhizome.tls.key: \""
                                + dir.resolve("mismatch/key.pem")
                                + "\" is not the key of");
        assertThatThrownBy(() -> load(files("foreign"), ""))
                .hasMessageStartingWith(
                        "rhizome.tls.cert: spiffe://example.org/service/orders certificate does not chain");
        assertThatThrownBy(() -> load(files("orders"), "rhizome.identity.service = payments"))
                .hasMessageStartingWith(
                        "rhizome.identity.service: \"payments\" but rhizome.tls.cert");
        assertThatThrownBy(() -> load(files("orders") + ", workload-ttl = forever", ""))
                .hasMessageStartingWith("rhizome.tls.workload-ttl: \"forever\"");
        assertThatThrownBy(
                        () -> load(files("orders").replace("enabled = on", "enabled = maybe"), ""))
                .hasMessage("rhizome.tls.enabled: \"maybe\" (expected: on | off)");
        assertThatThrownBy(() -> load("enabled = on", "rhizome.identity.service = Orders"))
                .hasMessageStartingWith("rhizome.identity.service: \"Orders\" (expected:");
    }

    @Test
    void adminClientCertificatesNeedMutualTlsAndNamedIdentitiesOfTheTrustDomain() {
        String admin =
                "rhizome.admin { host = \"0.0.0.0\", tls { enabled = on, allowed-identities = %s } }\n"
                        + "rhizome.tls.cluster-identities = [\"spiffe://example.org/service/orders\"]";
        NodeSettings s =
                load(files("orders"), admin.formatted("[\"spiffe://example.org/service/ops-*\"]"));
        assertThat(s.adminClientIdentities())
                .as("off loopback without a token")
                .containsExactly("spiffe://example.org/service/ops-*");
        assertThat(load(files("orders"), "").adminClientIdentities())
                .as("off by default")
                .isEmpty();

        assertThatThrownBy(
                        () ->
                                load(
                                        "enabled = off",
                                        admin.formatted("[\"spiffe://example.org/service/ops\"]")))
                .hasMessage(
                        "rhizome.admin.tls.enabled: on while rhizome.tls.enabled = off (expected: mTLS on, whose"
                                + " certificate and trust bundle the admin port uses, or rhizome.admin.tls.enabled = off)");
        assertThatThrownBy(() -> load(files("orders"), admin.formatted("[]")))
                .hasMessage(
                        "rhizome.admin.tls.allowed-identities: [] while rhizome.admin.tls.enabled = on (expected: at least"
                                + " one \"spiffe://DOMAIN/service/NAME\" ('*' within NAME matches any characters))");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted(
                                                "[\"spiffe://example.org/service/ops\", \"ops\"]")))
                .hasMessage(
                        "rhizome.admin.tls.allowed-identities[1]: \"ops\" (expected: \"spiffe://DOMAIN/service/NAME\""
                                + " ('*' within NAME matches any characters))");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted("[\"spiffe://other.org/service/ops\"]")))
                .hasMessage(
                        "rhizome.admin.tls.allowed-identities[0]: \"spiffe://other.org/service/ops\" is not in this"
                                + " node's trust domain (expected: spiffe://example.org/service/NAME)");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted("\"spiffe://example.org/service/ops\"")))
                .hasMessageStartingWith(
                        "rhizome.admin.tls.allowed-identities: \"spiffe://example.org/service/ops\" (expected: a list of");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted("[\"spiffe://example.org/service/ops\"]")
                                                .replace(
                                                        "\nrhizome.tls.cluster-identities = [\"spiffe://example.org/service/orders\"]",
                                                        "")))
                .hasMessage(
                        "rhizome.tls.cluster-identities: [] while rhizome.admin.tls.enabled = on (expected: the identities"
                                + " of the mesh's sidecars, so that an admin client's certificate cannot join the cluster)");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        "rhizome.admin { host = \"0.0.0.0\", tls.enabled = off }"))
                .hasMessageStartingWith(
                        "rhizome.admin.token: missing while rhizome.admin.host = \"0.0.0.0\" is not loopback");
    }

    @Test
    void clusterIdentitiesAreOfTheTrustDomainAndIncludeTheNodeItself() {
        assertThat(
                        load(
                                        files("orders")
                                                + ", cluster-identities = [\"spiffe://example.org/service/orders\","
                                                + " \"spiffe://example.org/service/web-*\"]",
                                        "")
                                .tls()
                                .clusterIdentities())
                .hasSize(2);
        assertThat(load(files("orders"), "").tls().clusterIdentities())
                .as("any of the trust domain")
                .isEmpty();
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders")
                                                + ", cluster-identities = [\"spiffe://example.org/service/web\"]",
                                        ""))
                .hasMessage(
                        "rhizome.tls.cluster-identities: does not include this node's own identity"
                                + " spiffe://example.org/service/orders (expected: a list that does, or [] for any identity of the trust domain)");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders")
                                                + ", cluster-identities = [\"spiffe://example.org/service/*\", \"web\"]",
                                        ""))
                .hasMessageStartingWith(
                        "rhizome.tls.cluster-identities[1]: \"web\" (expected: \"spiffe://DOMAIN/service/NAME\"");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders")
                                                + ", cluster-identities = [\"spiffe://other.org/service/*\"]",
                                        ""))
                .hasMessageStartingWith(
                        "rhizome.tls.cluster-identities[0]: \"spiffe://other.org/service/*\" is not in this"
                                + " node's trust domain");
    }

    @Test
    void adminClientsMayNotBeClusterMembers() {
        String admin =
                "rhizome.admin.tls { enabled = on, allowed-identities = [\"spiffe://example.org/service/ops-*\"] }\n"
                        + "rhizome.tls.cluster-identities = %s";
        assertThat(
                        load(
                                        files("orders"),
                                        admin.formatted(
                                                "[\"spiffe://example.org/service/orders\", \"spiffe://example.org/service/web-*\"]"))
                                .adminClientIdentities())
                .containsExactly("spiffe://example.org/service/ops-*");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted("[\"spiffe://example.org/service/*\"]")))
                .hasMessage(
                        "rhizome.admin.tls.allowed-identities[0]: \"spiffe://example.org/service/ops-*\" can also be a cluster"
                                + " member through rhizome.tls.cluster-identities \"spiffe://example.org/service/*\" (expected: admin"
                                + " clients whose identities no cluster member may have)");
        assertThatThrownBy(
                        () ->
                                load(
                                        files("orders"),
                                        admin.formatted(
                                                "[\"spiffe://example.org/service/orders\", \"spiffe://example.org/service/*-alice\"]")))
                .hasMessageContaining("can also be a cluster member");
    }
}
