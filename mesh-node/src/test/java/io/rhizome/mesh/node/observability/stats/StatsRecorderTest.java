package io.rhizome.mesh.node.observability.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StatsRecorderTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final StatsRecorder recorder =
            StatsRecorder.create("", List.of("web"), "node-1", clock::get);

    static RequestRecord record(
            Direction d,
            String service,
            String route,
            String caller,
            int status,
            String error,
            long millis) {
        return new RequestRecord(
                d,
                service,
                route,
                caller,
                "GET",
                service,
                "/x",
                status,
                error,
                0,
                millis * 1_000_000,
                0,
                0,
                "127.0.0.1:8080",
                "",
                0,
                "");
    }

    private void send(
            int n,
            Direction d,
            String service,
            String route,
            int status,
            String error,
            long millis) {
        for (int i = 0; i < n; i++) {
            recorder.onRequest(record(d, service, route, "", status, error, millis));
        }
    }

    private MeshStats.Row row(Duration window, String kind, String direction, String service) {
        return new MeshStats()
                .add(recorder.snapshot(window)).rows(kind, direction).stream()
                        .filter(r -> r.service().equals(service))
                        .findFirst()
                        .orElseThrow();
    }

    @Test
    void countsRequestsAndTreats5xxAsFailuresAndTheMeshsOwn4xxAsRefusedSuccesses() {
        clock.addAndGet(60_000);
        send(90, Direction.OUTBOUND, "orders", "", 200, "", 2);
        send(5, Direction.OUTBOUND, "orders", "", 503, "no-healthy-endpoint", 1);
        send(3, Direction.OUTBOUND, "orders", "", 429, "rate-limited", 1);
        send(2, Direction.OUTBOUND, "orders", "", 404, "", 1); // the app's own 404

        MeshStats.Row r = row(Duration.ofMinutes(1), StatRow.SERVICE, "outbound", "orders");
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.failures()).isEqualTo(5);
        assertThat(r.refused()).isEqualTo(3);
        assertThat(r.successRate()).isEqualTo(0.95);
    }

    @Test
    void connectionsAreCountedApartFromRequestsWithTheirBytesAndHowLongTheyLasted() {
        clock.addAndGet(60_000);
        for (int i = 0; i < 9; i++) {
            recorder.connectionObserver()
                    .onRequest(
                            new RequestRecord(
                                    Direction.OUTBOUND,
                                    "cache",
                                    "",
                                    "",
                                    "TCP",
                                    "cache",
                                    "",
                                    0,
                                    "",
                                    0,
                                    2_000_000_000L,
                                    1_000,
                                    5_000,
                                    "127.0.0.1:15006",
                                    "",
                                    0,
                                    "tunnel"));
        }
        recorder.connectionObserver()
                .onRequest(
                        new RequestRecord(
                                Direction.OUTBOUND,
                                "cache",
                                "",
                                "",
                                "TCP",
                                "cache",
                                "",
                                0,
                                "upstream-connect-failure",
                                0,
                                0,
                                0,
                                0,
                                "",
                                "",
                                0,
                                "tunnel"));

        MeshStats.Row r = row(Duration.ofMinutes(1), StatRow.TCP, "outbound", "cache");
        assertThat(r.requests()).as("connections").isEqualTo(10);
        assertThat(r.failures()).isEqualTo(1);
        assertThat(r.successRate()).isEqualTo(0.9);
        assertThat(r.bytes()).isEqualTo(9 * 6_000);
        assertThat(r.percentileMillis(0.50)).isCloseTo(2_000.0, within(250.0));
        assertThat(
                        new MeshStats()
                                .add(recorder.snapshot(Duration.ofMinutes(1)))
                                .rows(StatRow.SERVICE, "outbound"))
                .as("no request rows")
                .isEmpty();
    }

    @Test
    void percentilesComeFromTheHistogramWithinABucketsWidth() {
        clock.addAndGet(60_000);
        send(50, Direction.INBOUND, "orders", "", 200, "", 1);
        send(45, Direction.INBOUND, "orders", "", 200, "", 10);
        send(5, Direction.INBOUND, "orders", "", 200, "", 200);

        MeshStats.Row r = row(Duration.ofMinutes(1), StatRow.SERVICE, "inbound", "orders");
        assertThat(r.percentileMillis(0.50)).isCloseTo(1.0, within(0.125));
        assertThat(r.percentileMillis(0.95)).isCloseTo(10.0, within(1.25));
        assertThat(r.percentileMillis(0.99)).isCloseTo(200.0, within(25.0));
    }

    @Test
    void theWindowSlidesAndTheRateIsOverTheTimeCovered() {
        clock.addAndGet(600_000); // the recorder has run for 10 minutes
        clock.set(clock.get() - clock.get() % 10_000); // at the start of a slot
        send(60, Direction.OUTBOUND, "orders", "", 200, "", 1);
        clock.addAndGet(30_000);
        send(30, Direction.OUTBOUND, "orders", "", 200, "", 1);

        assertThat(row(Duration.ofMinutes(1), StatRow.SERVICE, "outbound", "orders").requests())
                .isEqualTo(90);
        assertThat(row(Duration.ofSeconds(10), StatRow.SERVICE, "outbound", "orders").requests())
                .isEqualTo(30);
        // 1 minute plus the current slot's elapsed 0 s
        assertThat(row(Duration.ofMinutes(1), StatRow.SERVICE, "outbound", "orders").rps())
                .isCloseTo(1.5, within(0.01));

        clock.addAndGet(40_000);
        assertThat(row(Duration.ofMinutes(1), StatRow.SERVICE, "outbound", "orders").requests())
                .as("the first 60 requests are more than a minute and a slot old")
                .isEqualTo(30);
        assertThat(
                        new MeshStats()
                                .add(recorder.snapshot(Duration.ofSeconds(10)))
                                .rows(StatRow.SERVICE, ""))
                .isEmpty();
    }

    @Test
    void rowsPerRouteAndEdgesFromTheLocalServiceOutboundAndTheVerifiedIdentityInbound() {
        clock.addAndGet(60_000);
        send(4, Direction.OUTBOUND, "orders", "orders-v2", 200, "", 1);
        send(6, Direction.OUTBOUND, "orders", "", 200, "", 1);
        recorder.onRequest(
                record(
                        Direction.INBOUND,
                        "orders",
                        "",
                        "spiffe://example.org/service/billing",
                        200,
                        "",
                        1));
        recorder.onRequest(record(Direction.INBOUND, "orders", "", "", 200, "", 1));

        MeshStats s = new MeshStats().add(recorder.snapshot(Duration.ofMinutes(1)));
        assertThat(s.rows(StatRow.ROUTE, "outbound"))
                .singleElement()
                .satisfies(r -> assertThat(r.route()).isEqualTo("orders-v2"))
                .satisfies(r -> assertThat(r.requests()).isEqualTo(4));
        assertThat(s.rows(StatRow.EDGE, "outbound"))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.caller()).isEqualTo("web");
                            assertThat(r.callerKind()).isEqualTo("service");
                            assertThat(r.requests()).isEqualTo(10);
                        });
        assertThat(s.rows(StatRow.EDGE, "inbound"))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.caller()).isEqualTo("billing");
                            assertThat(r.requests()).isEqualTo(1);
                        });
    }

    @Test
    void aNodeWithoutIdentityAndSeveralServicesCallsAsItself() {
        StatsRecorder r = StatsRecorder.create("", List.of("a", "b"), "node-3", clock::get);
        clock.addAndGet(20_000);
        r.onRequest(record(Direction.OUTBOUND, "orders", "", "", 200, "", 1));
        assertThat(
                        new MeshStats()
                                .add(r.snapshot(Duration.ofSeconds(10)))
                                .rows(StatRow.EDGE, "outbound"))
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.caller()).isEqualTo("node-3");
                            assertThat(e.callerKind()).isEqualTo("node");
                        });
    }

    @Test
    void egressAndUnknownServicesAreNotRecorded() {
        send(3, Direction.OUTBOUND, "", "", 200, "", 1);
        assertThat(recorder.snapshot(Duration.ofMinutes(1)).rows()).isEmpty();
    }

    @Test
    void windowsAreTenSecondsToFiveMinutesInStepsOfTen() {
        assertThat(StatsRecorder.validWindow(Duration.ofSeconds(10))).isTrue();
        assertThat(StatsRecorder.validWindow(Duration.ofMinutes(5))).isTrue();
        assertThat(StatsRecorder.validWindow(Duration.ofSeconds(15))).isFalse();
        assertThat(StatsRecorder.validWindow(Duration.ofMinutes(6))).isFalse();
        assertThatThrownBy(() -> recorder.snapshot(Duration.ofSeconds(5)))
                .hasMessageContaining("window");
    }

    @Test
    void mergingNodesSumsCountsAndRatesAndAddsHistograms() {
        clock.addAndGet(60_000);
        StatsRecorder other = StatsRecorder.create("", List.of(), "node-2", clock::get);
        clock.addAndGet(60_000);
        for (int i = 0; i < 99; i++) {
            recorder.onRequest(record(Direction.OUTBOUND, "orders", "", "", 200, "", 1));
        }
        other.onRequest(record(Direction.OUTBOUND, "orders", "", "", 500, "", 1000));

        MeshStats.Row merged =
                new MeshStats()
                        .add(recorder.snapshot(Duration.ofMinutes(1)))
                        .add(other.snapshot(Duration.ofMinutes(1)))
                        .rows(StatRow.SERVICE, "outbound")
                        .get(0);
        assertThat(merged.requests()).isEqualTo(100);
        assertThat(merged.failures()).isEqualTo(1);
        assertThat(merged.percentileMillis(0.5)).isCloseTo(1.0, within(0.125));
        assertThat(merged.percentileMillis(0.995))
                .as("the slow node's request sets the tail")
                .isGreaterThan(900);
    }
}
