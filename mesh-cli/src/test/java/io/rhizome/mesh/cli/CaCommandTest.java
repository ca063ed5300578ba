package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.pki.Pem;
import io.rhizome.mesh.pki.SpiffeId;
import io.rhizome.mesh.pki.SpiffeVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaCommandTest {

    @TempDir Path dir;

    @Test
    void initThenIssueWritesACertificateWhoseOnlyUriSanIsTheServiceId() throws Exception {
        Path ca = dir.resolve("ca");
        Path orders = dir.resolve("orders");
        Cli.Result init =
                Cli.run("ca", "init", "--trust-domain", "example.org", "--out", ca.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(init.out()).contains("ca.pem", "ca-key.pem", "spiffe://example.org");

        Cli.Result issue =
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        ca.toString(),
                        "--service",
                        "orders",
                        "--out",
                        orders.toString(),
                        "--ttl",
                        "2h");
        assertThat(issue.exitCode()).as(issue.err()).isZero();
        assertThat(issue.out()).contains("spiffe://example.org/service/orders");

        X509Certificate cert = Pem.readCertificates(orders.resolve("cert.pem")).get(0);
        assertThat(SpiffeId.uriSans(cert)).containsExactly("spiffe://example.org/service/orders");
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        Duration lifetime =
                Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(lifetime).isBetween(Duration.ofHours(2), Duration.ofHours(2).plusMinutes(2));
        assertThat(Pem.readPrivateKey(orders.resolve("key.pem")).getAlgorithm()).isEqualTo("EC");
        assertThat(Files.getPosixFilePermissions(orders.resolve("key.pem")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        SpiffeVerifier verifier =
                SpiffeVerifier.create(
                        Pem.readCertificates(ca.resolve("ca.pem")),
                        "example.org",
                        Clock.systemUTC());
        assertThat(verifier.verify(new X509Certificate[] {cert}).service()).isEqualTo("orders");
    }

    @Test
    void intermediateIsAConstrainedCa() throws Exception {
        Path ca = dir.resolve("ca");
        Cli.run("ca", "init", "--trust-domain", "example.org", "--out", ca.toString());
        Cli.Result issue =
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        ca.toString(),
                        "--service",
                        "orders",
                        "--intermediate",
                        "--out",
                        dir.resolve("issuer").toString());
        assertThat(issue.exitCode()).as(issue.err()).isZero();
        X509Certificate cert = Pem.readCertificates(dir.resolve("issuer/cert.pem")).get(0);
        assertThat(cert.getBasicConstraints())
                .isZero(); // a CA that may sign end-entity certificates only
        assertThat(cert.getExtensionValue("2.5.29.30")).as("name constraints").isNotNull();
    }

    @Test
    void initRefusesToOverwriteACa() {
        Path ca = dir.resolve("ca");
        assertThat(
                        Cli.run(
                                        "ca",
                                        "init",
                                        "--trust-domain",
                                        "example.org",
                                        "--out",
                                        ca.toString())
                                .exitCode())
                .isZero();
        Cli.Result again =
                Cli.run("ca", "init", "--trust-domain", "example.org", "--out", ca.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.errLines())
                .singleElement()
                .asString()
                .contains("already holds a CA", "--force");
    }

    @Test
    void badInputIsOneLineNamingTheFlag() {
        Path ca = dir.resolve("ca");
        Cli.run("ca", "init", "--trust-domain", "example.org", "--out", ca.toString());
        assertUsage(
                Cli.run(
                        "ca",
                        "init",
                        "--trust-domain",
                        "Example Org",
                        "--out",
                        dir.resolve("x").toString()),
                "meshctl: --trust-domain: \"Example Org\" (expected: a trust domain such as example.org");
        assertUsage(
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        ca.toString(),
                        "--service",
                        "Orders_1",
                        "--out",
                        dir.toString()),
                "meshctl: --service: \"Orders_1\" (expected: lower-case letters, digits and '-', at most 63)");
        assertUsage(
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        ca.toString(),
                        "--service",
                        "orders",
                        "--out",
                        dir.toString(),
                        "--ttl",
                        "tomorrow"),
                "meshctl: --ttl: \"tomorrow\" (expected: a positive duration such as 24h, 30m or 7d)");
        assertUsage(Cli.run("ca", "issue", "--service", "orders", "--out", dir.toString()), "--ca");

        Cli.Result missing =
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        dir.resolve("nowhere").toString(),
                        "--service",
                        "orders",
                        "--out",
                        dir.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.errLines())
                .singleElement()
                .asString()
                .startsWith(
                        "meshctl: --ca: \"" + dir.resolve("nowhere/ca.pem") + "\" does not exist");
        assertThat(dir.resolve("cert.pem")).doesNotExist();
    }

    @Test
    void aKeyThatIsNotTheCasIsRefused() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Cli.run("ca", "init", "--trust-domain", "example.org", "--out", a.toString());
        Cli.run("ca", "init", "--trust-domain", "example.org", "--out", b.toString());
        Files.copy(
                b.resolve("ca-key.pem"),
                a.resolve("ca-key.pem"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Result result =
                Cli.run(
                        "ca",
                        "issue",
                        "--ca",
                        a.toString(),
                        "--service",
                        "orders",
                        "--out",
                        dir.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines())
                .singleElement()
                .asString()
                .contains("is not the key of the certificate");
        assertThat(List.of(dir.resolve("cert.pem"), dir.resolve("key.pem")))
                .allSatisfy(p -> assertThat(p).doesNotExist());
    }

    private static void assertUsage(Cli.Result result, String line) {
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains(line);
    }
}
