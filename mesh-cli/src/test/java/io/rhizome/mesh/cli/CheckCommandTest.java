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
    assertThat(result.outLines()).last().isEqualTo("not converged: 1 of 2 members differ: node-2");
  }

  @Test
  void jsonIsTheAnswerWithTheSameExitCode() {
    node.answer("/v1/check", DIVERGED);

    Cli.Result result = Cli.run("--node", node.address(), "check", "-o", "json");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(Json.parse(result.out())).isEqualTo(Json.parse(DIVERGED));
  }
}
