package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CheckCommandTest {

    private static final String CONVERGED =
            """
      {"converged": true, "digest": "3f9a1c07b2e4d5a6f7081928",
       "members": [
         {"name": "node-1", "status": "Up", "reachable": true, "answered": true,
          "digest": "3f9a1c07b2e4d5a6f7081928", "resources": 12, "converged": true},
         {"name": "node-2", "status": "Up", "reachable": true, "answered": true,
          "digest": "3f9a1c07b2e4d5a6f7081928", "resources": 12, "converged": true}]}
      """;

    private static final String DIVERGED =
            """
      {"converged": false, "digest": "3f9a1c07b2e4d5a6f7081928",
       "members": [
         {"name": "node-1", "status": "Up", "reachable": true, "answered": true,
          "digest": "3f9a1c07b2e4d5a6f7081928", "resources": 12, "converged": true},
         {"name": "node-2", "status": "Up", "reachable": true, "answered": true,
          "digest": "aa00bb11cc22dd33", "resources": 11, "converged": false},
         {"name": "node-3", "status": "Up", "reachable": false, "answered": false,
          "digest": "", "resources": 0, "converged": false}]}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/check", CONVERGED);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void convergedIsExitZero() {
        Cli.Result result = Cli.run("--node", node.address(), "check");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines())
                .containsExactly(
                        "NAME     STATUS   REACHABLE   DIGEST         RESOURCES   CONVERGED",
                        "node-1   Up       yes         3f9a1c07b2e4   12          yes",
                        "node-2   Up       yes         3f9a1c07b2e4   12          yes",
                        "converged: all 2 members have digest 3f9a1c07b2e4");
    }

    @Test
    void notConvergedIsExitOneListingTheMembersThatDiffer() {
        node.answer("/v1/check", DIVERGED);

        Cli.Result result = Cli.run("--node", node.address(), "check");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.outLines())
                .containsExactly(
                        "NAME     STATUS   REACHABLE   DIGEST         RESOURCES   CONVERGED",
                        "node-1   Up       yes         3f9a1c07b2e4   12          yes",
                        "node-2   Up       yes         aa00bb11cc22   11          no",
                        "node-3   Up       no          -              0           no",
                        "not converged: 2 of 3 members differ: node-2, node-3");
    }

    @Test
    void anUnreachableMemberDiffersEvenWithTheSameDigest() {
        node.answer(
                "/v1/check",
                """
        {"converged": true, "digest": "abc", "members": [
          {"name": "node-1", "reachable": true, "answered": true, "digest": "abc", "converged": true},
          {"name": "node-2", "reachable": false, "answered": true, "digest": "abc", "converged": true}]}
        """);

        Cli.Result result = Cli.run("--node", node.address(), "check");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.outLines())
                .last()
                .isEqualTo("not converged: 1 of 2 members differ: node-2");
    }

    @Test
    void jsonIsTheAnswerWithTheSameExitCode() {
        node.answer("/v1/check", DIVERGED);

        Cli.Result result = Cli.run("--node", node.address(), "check", "-o", "json");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(Json.parse(result.out())).isEqualTo(Json.parse(DIVERGED));
    }

    @Test
    void warnsWhenTheNodesCertificateHasLessThanAThirdOfItsLifetimeLeft() {
        node.answer(
                "/v1/tls",
                """
        {"enabled": true, "identity": "spiffe://example.org/service/orders", "not-after": "2026-11-27T10:00:00Z",
         "lifetime-seconds": "86400", "expires-in-seconds": "7200"}
        """);
        Cli.Result result = Cli.run("--node", node.address(), "check");

        assertThat(result.exitCode()).isZero();
        assertThat(result.errLines())
                .containsExactly(
                        "warning: the node's certificate for spiffe://example.org/service/orders "
                                + "expires in 2h (at 2026-11-27T10:00:00Z, 8% of its lifetime left)");
    }

    @Test
    void everyMembersCertificateIsCheckedFromTheOneNodeAsked() {
        node.answer(
                "/v1/check",
                """
        {"converged": true, "digest": "3f9a",
         "members": [
           {"name": "node-1", "status": "Up", "reachable": true, "answered": true, "digest": "3f9a", "resources": 1,
            "converged": true, "certificate": {"identity": "spiffe://example.org/service/web",
            "not-after": "2026-11-28T10:00:00Z", "lifetime-seconds": 86400, "expires-in-seconds": 80000}},
           {"name": "node-2", "status": "Up", "reachable": true, "answered": true, "digest": "3f9a", "resources": 1,
            "converged": true, "certificate": {"identity": "spiffe://example.org/service/orders",
            "not-after": "2026-11-27T10:00:00Z", "lifetime-seconds": 86400, "expires-in-seconds": 3600}},
           {"name": "node-3", "status": "Up", "reachable": true, "answered": true, "digest": "3f9a", "resources": 1,
            "converged": true, "certificate": {"identity": "spiffe://example.org/service/billing",
            "not-after": "2026-11-25T10:00:00Z", "lifetime-seconds": 86400, "expires-in-seconds": -60}}]}
        """);

        Cli.Result result = Cli.run("--node", node.address(), "check");

        assertThat(result.exitCode()).as("a member's certificate has expired").isEqualTo(1);
        assertThat(result.errLines())
                .containsExactly(
                        "warning: node-2's certificate for spiffe://example.org/service/orders expires in 60m"
                                + " (at 2026-11-27T10:00:00Z, 4% of its lifetime left)",
                        "error: node-3's certificate for spiffe://example.org/service/billing expired at 2026-11-25T10:00:00Z");
        assertThat(node.requests()).extracting(FakeNode.Request::path).doesNotContain("/v1/tls");
    }

    @Test
    void aFreshCertificateSaysNothingAndAnExpiredOneFails() {
        node.answer(
                "/v1/tls",
                """
        {"enabled": true, "identity": "spiffe://example.org/service/orders", "not-after": "2026-11-27T10:00:00Z",
         "lifetime-seconds": 86400, "expires-in-seconds": 80000}
        """);
        assertThat(Cli.run("--node", node.address(), "check").err()).isEmpty();

        node.answer(
                "/v1/tls",
                """
        {"enabled": true, "identity": "spiffe://example.org/service/orders", "not-after": "2026-11-25T10:00:00Z",
         "lifetime-seconds": 86400, "expires-in-seconds": -60}
        """);
        Cli.Result expired = Cli.run("--node", node.address(), "check");
        assertThat(expired.exitCode()).isEqualTo(1);
        assertThat(expired.errLines())
                .containsExactly(
                        "error: the node's certificate for spiffe://example.org/service/orders expired at 2026-11-25T10:00:00Z");
    }

    @Test
    void aLongLivedCertificateWarnsFromAThirdLeft() {
        assertThat(
                        CertificateCheck.of(
                                        "id",
                                        "t",
                                        java.time.Duration.ofDays(365),
                                        java.time.Duration.ofDays(150))
                                .warning())
                .isEmpty();
        assertThat(
                        CertificateCheck.of(
                                        "id",
                                        "t",
                                        java.time.Duration.ofDays(365),
                                        java.time.Duration.ofDays(100))
                                .warning())
                .hasValueSatisfying(
                        w -> assertThat(w).contains("expires in 100d", "27% of its lifetime left"));
    }
}
