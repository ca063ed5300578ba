package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TopViewTest {

    private static void add(TopView view, String path, int status, double ms) {
        view.add(
                Json.parse(
                        "{\"type\":\"request\",\"service\":\"echo\",\"method\":\"GET\",\"path\":\""
                                + path
                                + "\",\"status\":"
                                + status
                                + ",\"latency-ms\":"
                                + ms
                                + "}"));
    }

    @Test
    void busiestPathsFirstWithRateSuccessAndPercentiles() {
        TopView view = new TopView(0);
        for (int i = 1; i <= 100; i++) {
            add(view, "/busy", i <= 2 ? 503 : 200, i);
        }
        add(view, "/quiet", 200, 1.5);

        StringWriter out = new StringWriter();
        view.table(10, 10_000_000_000L).print(new PrintWriter(out, true));

        assertThat(out.toString().lines())
                .containsExactly(
                        "SERVICE   METHOD   PATH     REQUESTS   RPS    SUCCESS   P50      P99",
                        "echo      GET      /busy    100        10.0   98.00%    50.0ms   99.0ms",
                        "echo      GET      /quiet   1          0.1    100.00%   1.50ms   1.50ms");
    }

    @Test
    void connectionsCarriedAsBytesAreOneRowPerServiceAndKindFailedOnlyWithAnError() {
        TopView view = new TopView(0);
        for (int i = 1; i <= 4; i++) {
            String error = i == 4 ? "no-healthy-upstream" : "";
            view.add(
                    Json.parse(
                            "{\"type\":\"request\",\"service\":\"cache\",\"method\":\"TCP\",\"path\":\"cache\","
                                    + "\"status\":0,\"error\":\""
                                    + error
                                    + "\",\"flags\":\"tunnel\",\"latency-ms\":"
                                    + (i * 1000)
                                    + "}"));
        }
        add(view, "/room", 101, 2);

        StringWriter out = new StringWriter();
        view.table(10, 2_000_000_000L).print(new PrintWriter(out, true));

        assertThat(out.toString().lines())
                .containsExactly(
                        "SERVICE   METHOD   PATH            REQUESTS   RPS   SUCCESS   P50      P99",
                        "cache     TCP      (connections)   4          2.0   75.00%    2.00s    4.00s",
                        "echo      GET      /room           1          0.5   100.00%   2.00ms   2.00ms");
    }
}
