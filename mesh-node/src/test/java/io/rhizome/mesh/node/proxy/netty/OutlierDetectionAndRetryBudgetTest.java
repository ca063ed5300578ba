package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Passive outlier detection and retry budgets on the request path, on real sockets: four local
 * instances {@code v1..v4} that fail on request ({@code x-status-<name>: 500}, see {@link
 * InstanceUpstream}).
 */
class OutlierDetectionAndRetryBudgetTest {

    private static final String POLICIES =
            """
            resources = [
              { kind = DestinationPolicy, name = outliers, spec { service = outliers,
                  outlier-detection { consecutive-errors = 3, base-ejection = 1s } } }
              { kind = DestinationPolicy, name = budgeted, spec { service = budgeted,
                  outlier-detection { max-ejection-percent = 0 },
                  retry-budget { ratio = 0.1, min-per-second = 1 } } }
              { kind = Route, name = budgeted, spec { service = budgeted, rules = [
                  { retries { attempts = 3, on = ["5xx"] } } ] } }
            ]
            """;

    private static final List<InstanceUpstream> instances = new ArrayList<>();
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        for (String name : List.of("v1", "v2", "v3", "v4")) {
            instances.add(InstanceUpstream.start(name));
        }
        node =
                TestDataPlane.builder()
                        .endpoints(
                                "outliers",
                                endpoint("outliers", "v1"),
                                endpoint("outliers", "v2"),
                                endpoint("outliers", "v3"))
                        .endpoints(
                                "budgeted",
                                endpoint("budgeted", "v1"),
                                endpoint("budgeted", "v2"),
                                endpoint("budgeted", "v3"),
                                endpoint("budgeted", "v4"))
                        .policies(POLICIES)
                        .closing(instances.toArray(AutoCloseable[]::new))
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anInstanceThatAnswers500IsEjectedAndGetsAlmostNoTraffic() throws IOException {
        Map<String, Integer> after = new LinkedHashMap<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 200; i++) {
                RawHttp.Response r =
                        conn.send("GET /o HTTP/1.1\r\nHost: outliers\r\nx-status-v1: 500\r\n\r\n")
                                .read();
                if (i >= 10) {
                    after.merge(r.header("x-instance"), 1, Integer::sum);
                }
            }
        }

        assertThat(after.getOrDefault("v1", 0))
                .as("v1's share of the last 190 requests in %s", after)
                .isLessThan(10);
        assertThat(after.getOrDefault("v2", 0) + after.getOrDefault("v3", 0)).isGreaterThan(170);
    }

    @Test
    void theRetryBudgetLimitsRetriesWhenEveryInstanceFails() throws IOException {
        long before = hits("GET /b");
        int failed = 0;
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 200; i++) {
                RawHttp.Response r =
                        conn.send(
                                        "GET /b HTTP/1.1\r\nHost: budgeted\r\nx-status-v1: 503\r\n"
                                                + "x-status-v2: 503\r\nx-status-v3: 503\r\nx-status-v4: 503\r\n\r\n")
                                .read();
                if (r.status() == 503) {
                    failed++;
                }
            }
        }
        long upstream = hits("GET /b") - before;

        assertThat(failed).isEqualTo(200);
        // without a budget: 200 × 4 tries; with it: 200 + 0.1 × 200 + 1/s × 10 s
        assertThat(upstream)
                .as("upstream hits")
                .isGreaterThan(200)
                .isLessThanOrEqualTo(200 + 20 + 10);
    }

    // ------------------------------------------------------------------ fixtures

    private static long hits(String methodAndUri) {
        return instances.stream().mapToLong(i -> i.received(methodAndUri)).sum();
    }

    private static MeshEndpoint endpoint(String service, String version) {
        HostPort at = instances.get(Integer.parseInt(version.substring(1)) - 1).address();
        return TestDataPlane.local("node-" + version, service, at, at, Map.of("version", version));
    }

    private static RawHttp connect() throws IOException {
        return RawHttp.connect(node.outboundPort());
    }
}
