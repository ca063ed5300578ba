package io.rhizome.mesh.node.observability.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {

    private static RequestRecord record(
            String service, String route, int status, long nanos, String flags) {
        return new RequestRecord(
                Direction.INBOUND,
                service,
                route,
                "",
                "GET",
                service,
                "/x",
                status,
                "",
                0,
                nanos,
                0,
                10,
                "",
                "",
                flags.contains("retried") ? 2 : 0,
                flags);
    }

    private static String scrape(RequestMetrics m) {
        PrometheusText out = new PrometheusText();
        m.write(out);
        return out.toString();
    }

    @Test
    void beyondMaxSeriesNewLabelSetsCountAsOther() {
        RequestMetrics m = RequestMetrics.create(2);
        for (int i = 0; i < 5; i++) {
            m.onRequest(record("svc-" + i, "r\"oute\\" + i, 200, 1_000_000, ""));
        }
        String text = scrape(m);
        assertThat(text)
                .contains(
                        "rhizome_requests_total{direction=\"inbound\",service=\"svc-0\",route=\"r\\\"oute\\\\0\",subset=\"\",caller=\"\",code=\"200\"} 1")
                .contains(
                        "rhizome_requests_total{direction=\"inbound\",service=\"svc-1\",route=\"r\\\"oute\\\\1\",subset=\"\",caller=\"\",code=\"200\"} 1")
                .contains(
                        "rhizome_requests_total{direction=\"inbound\",service=\"other\",route=\"other\",subset=\"other\",caller=\"other\",code=\"200\"} 3")
                .doesNotContain("svc-2")
                .doesNotContain("svc-4");
    }

    private static RequestRecord record(
            Direction direction, String caller, String subset, int status, String flags) {
        return new RequestRecord(
                direction,
                "orders",
                "orders-api",
                caller,
                "GET",
                "orders",
                "/x",
                status,
                "",
                0,
                1_000_000,
                5,
                10,
                "",
                "",
                0,
                flags,
                "",
                "",
                false,
                subset);
    }

    @Test
    void subsetAndCallerAreLabelsWithExactCounts() {
        RequestMetrics m = RequestMetrics.create(100, "web");
        for (int i = 0; i < 3; i++) {
            m.onRequest(record(Direction.OUTBOUND, "", "version=v2", 200, ""));
        }
        m.onRequest(record(Direction.OUTBOUND, "", "", 503, ""));
        for (int i = 0; i < 4; i++) {
            m.onRequest(
                    record(Direction.INBOUND, "spiffe://mesh.local/service/billing", "", 200, ""));
        }
        m.onRequest(record(Direction.INBOUND, "spiffe://mesh.local/service/web", "", 500, ""));
        m.onRequest(
                record(
                        Direction.INBOUND,
                        "",
                        "",
                        200,
                        "local")); // the local shortcut: this node's own workload
        m.onRequest(record(Direction.INBOUND, "", "", 200, "")); // no mTLS: caller unknown
        m.onRequest(record(Direction.INBOUND, "", "", 200, ""));

        String out = "direction=\"outbound\",service=\"orders\",route=\"orders-api\"";
        String in = "direction=\"inbound\",service=\"orders\",route=\"orders-api\",subset=\"\"";
        assertThat(scrape(m))
                .contains(
                        "rhizome_requests_total{"
                                + out
                                + ",subset=\"version=v2\",caller=\"web\",code=\"200\"} 3\n")
                .contains(
                        "rhizome_requests_total{"
                                + out
                                + ",subset=\"\",caller=\"web\",code=\"503\"} 1\n")
                .contains("rhizome_requests_total{" + in + ",caller=\"billing\",code=\"200\"} 4\n")
                .contains("rhizome_requests_total{" + in + ",caller=\"web\",code=\"500\"} 1\n")
                .contains("rhizome_requests_total{" + in + ",caller=\"web\",code=\"200\"} 1\n")
                .contains("rhizome_requests_total{" + in + ",caller=\"\",code=\"200\"} 2\n")
                .contains(
                        "rhizome_request_duration_seconds_count{"
                                + out
                                + ",subset=\"version=v2\",caller=\"web\"} 3\n")
                .contains(
                        "rhizome_request_duration_seconds_count{" + in + ",caller=\"billing\"} 4\n")
                .contains("rhizome_request_bytes_total{" + in + ",caller=\"billing\"} 20\n")
                .contains(
                        "rhizome_response_bytes_total{"
                                + out
                                + ",subset=\"version=v2\",caller=\"web\"} 30\n")
                .doesNotContain("spiffe://");
    }

    @Test
    void manyCallersAndSubsetsStayUnderTheSeriesCap() {
        RequestMetrics m = RequestMetrics.create(3, "web");
        for (int i = 0; i < 10; i++) {
            m.onRequest(
                    record(Direction.INBOUND, "spiffe://mesh.local/service/c" + i, "", 200, ""));
            m.onRequest(record(Direction.OUTBOUND, "", "shard=" + i, 200, ""));
        }
        String text = scrape(m);
        assertThat(text.lines().filter(l -> l.startsWith("rhizome_requests_total{")).count())
                .isEqualTo(5); // c0, shard=0, c1, then "other" per direction
        assertThat(text)
                .contains(
                        "rhizome_requests_total{direction=\"inbound\",service=\"other\",route=\"other\",subset=\"other\",caller=\"other\",code=\"200\"} 8\n")
                .contains(
                        "rhizome_requests_total{direction=\"outbound\",service=\"other\",route=\"other\",subset=\"other\",caller=\"other\",code=\"200\"} 9\n");
    }

    @Test
    void latencyLandsInTheRightBucketAndFlagsInTheirCounters() {
        RequestMetrics m = RequestMetrics.create(10);
        m.onRequest(record("a", "", 200, 400_000, "")); // 0.4 ms
        m.onRequest(
                record(
                        "a",
                        "",
                        503,
                        3_000_000_000L,
                        "retried,timeout,retry-budget-exhausted")); // 3 s
        m.onRequest(record("a", "", 0, 20_000_000_000L, "client-abort")); // 20 s
        String l = "direction=\"inbound\",service=\"a\",route=\"\",subset=\"\",caller=\"\"";
        assertThat(scrape(m))
                .contains("rhizome_request_duration_seconds_bucket{" + l + ",le=\"0.0005\"} 1\n")
                .contains("rhizome_request_duration_seconds_bucket{" + l + ",le=\"2.5\"} 1\n")
                .contains("rhizome_request_duration_seconds_bucket{" + l + ",le=\"5\"} 2\n")
                .contains("rhizome_request_duration_seconds_bucket{" + l + ",le=\"10\"} 2\n")
                .contains("rhizome_request_duration_seconds_bucket{" + l + ",le=\"+Inf\"} 3\n")
                .contains("rhizome_request_duration_seconds_sum{" + l + "} 23.0004\n")
                .contains("rhizome_requests_total{" + l + ",code=\"0\"} 1\n")
                .contains("rhizome_retries_total{" + l + "} 2\n")
                .contains("rhizome_timeouts_total{" + l + "} 1\n")
                .contains("rhizome_retry_budget_exhausted_total{" + l + "} 1\n")
                .contains("rhizome_client_aborts_total{" + l + "} 1\n")
                .contains("rhizome_response_bytes_total{" + l + "} 30\n");
    }
}
