package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServicesCommandTest {

    private static final String SERVICES =
            """
      {"services": [
        {"name": "orders", "endpoints": 3, "routable": 2, "nodes": ["node-a", "node-b", "node-c"]},
        {"name": "payments", "endpoints": 1, "routable": 0, "nodes": ["node-a"]},
        {"name": "orphan"}
      ]}
      """;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/services", SERVICES);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void printsServicesAsAnAlignedTable() {
        Cli.Result result = Cli.run("--node", node.address(), "services");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines())
                .containsExactly(
                        "SERVICE    ENDPOINTS   ROUTABLE   NODES",
                        "orders     3           2          node-a,node-b,node-c",
                        "payments   1           0          node-a",
                        "orphan     0           0          -");
    }

    @Test
    void printsJsonWithZeroCountsAndEmptyLists() {
        Cli.Result result = Cli.run("--node", node.address(), "services", "--output=JSON");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains(
                        "\"name\": \"orphan\",\n    \"endpoints\": 0,\n    \"routable\": 0,\n    \"nodes\": []")
                .contains("\"nodes\": [\"node-a\", \"node-b\", \"node-c\"]");
    }
}
