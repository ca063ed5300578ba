package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatCommandTest {

    private static final String ANSWER =
            """
      {"window": "1m", "direction": "outbound",
       "services": [
         {"service": "echo", "direction": "outbound", "requests": 120, "rps": 2.0, "success-rate": 0.975,
          "p50-ms": 0.84, "p95-ms": 12.5, "p99-ms": 1250.0, "failures": 3, "refused": 1}],
       "routes": [
         {"service": "echo", "route": "echo-canary", "direction": "outbound", "requests": 20, "rps": 0.33,
          "success-rate": 1.0, "p50-ms": 1.0, "p95-ms": 2.0, "p99-ms": 3.0, "failures": 0, "refused": 0}],
       "nodes": ["node-1", "node-2"], "missing": ["node-3"], "other-version": []}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/stat", ANSWER);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void printsATablePerServiceAndWarnsAboutMembersThatDidNotAnswer() {
        Cli.Result result = Cli.run("--node", node.address(), "stat", "echo", "--window", "30s");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines())
                .containsExactly(
                        "SERVICE   REQUESTS   SUCCESS   RPS   P50      P95      P99     REFUSED",
                        "echo      120        97.50%    2.0   0.84ms   12.5ms   1.25s   1");
        assertThat(result.err())
                .isEqualTo("warning: figures of 2/3 nodes; no answer from node-3\n");
        assertThat(node.requests().get(0).path()).isEqualTo("/v1/stat");
    }

    @Test
    void connectionsOfTcpServicesFollowInATableOfTheirOwn() throws IOException {
        node.close();
        node =
                FakeNode.start()
                        .answer(
                                "/v1/stat",
                                """
        {"window": "1m", "direction": "outbound", "services": [],
         "tcp": [{"service": "cache", "direction": "outbound", "connections": 22, "connections-per-second": 0.37,
                  "success-rate": 0.9545, "bytes": 366000, "bytes-per-second": 6100.0, "p50-duration-ms": 1500.0,
                  "p99-duration-ms": 9800.0, "failures": 1}],
         "nodes": ["node-1"], "missing": [], "other-version": []}
        """);
        Cli.Result result = Cli.run("--node", node.address(), "stat");

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines())
                .containsSubsequence(
                        "TCP SERVICE   CONNECTIONS   SUCCESS   CONN/S   BYTES/S   P50 LIFE   P99 LIFE",
                        "cache         22            95.45%    0.4      6.1kB     1.50s      9.80s");
    }

    @Test
    void routesAddASecondTable() {
        Cli.Result result = Cli.run("--node", node.address(), "stat", "--routes");

        assertThat(result.outLines())
                .contains(
                        "SERVICE   ROUTE         REQUESTS   SUCCESS   RPS   P50      P95      P99      REFUSED");
        assertThat(result.outLines())
                .contains(
                        "echo      echo-canary   20         100.00%   0.3   1.00ms   2.00ms   3.00ms   0");
    }

    @Test
    void jsonIsTheNodesAnswerInDesignsShape() {
        Cli.Result result = Cli.run("--node", node.address(), "stat", "-o", "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains("\"success-rate\": 0.975", "\"p99-ms\": 1250", "\"rps\": 2");
    }

    @Test
    void aWindowOutsideTenSecondsToFiveMinutesIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "stat", "--window", "7s");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err())
                .isEqualTo(
                        "meshctl: --window: '7s' (expected: 10s..5m in steps of 10s, e.g. 30s or 1m)\n");
        assertThat(node.requests()).isEmpty();
    }
}
