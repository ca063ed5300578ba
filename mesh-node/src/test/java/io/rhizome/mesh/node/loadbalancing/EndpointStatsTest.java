package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointStatsTest {
    private static final long MS = 1_000_000L;
    private static final String A = "node-a/orders";

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final EndpointStats stats = EndpointStats.create(now::get);

    @Test
    void requestsAreInFlightUntilCompletedOnce() {
        Outstanding first = stats.start(A);
        Outstanding second = stats.start(A);
        assertThat(stats.inflight(A)).isEqualTo(2);

        first.success();
        first.failure(); // a second completion is ignored
        second.ignore();

        assertThat(stats.inflight(A)).isZero();
        assertThat(stats.latencyEstimateNanos(A))
                .isZero(); // success after 0 ns, the rest no sample
    }

    @Test
    void latencyIsMeasuredWithTheClock() {
        Outstanding o = stats.start(A);
        now.addAndGet(40 * MS);

        o.success();

        assertThat(stats.latencyEstimateNanos(A)).isCloseTo(40 * MS, within(1.0));
    }

    @Test
    void aSlowerSampleRaisesTheEstimateAtOnceAndFasterOnesLowerItGradually() {
        stats.start(A).success(10 * MS);
        stats.start(A).success(100 * MS);
        assertThat(stats.latencyEstimateNanos(A)).isCloseTo(100 * MS, within(1.0));

        now.addAndGet(1_000 * MS);
        stats.start(A).success(10 * MS);

        // 1 s of a 10 s decay: 100 * e^-0.1 + 10 * (1 - e^-0.1) = 91.4 ms
        assertThat(stats.latencyEstimateNanos(A) / MS).isCloseTo(91.4, within(0.1));
    }

    @Test
    void anIdleEstimateDecaysSoTheEndpointIsProbedAgain() {
        stats.start(A).success(100 * MS);

        now.addAndGet(10_000 * MS);

        assertThat(stats.latencyEstimateNanos(A) / MS).isCloseTo(100 * Math.exp(-1), within(0.01));
    }

    @Test
    void aFailureCountsAsTheFailurePenaltyOrItsDurationWhenLonger() {
        stats.start(A).failure();
        assertThat(stats.latencyEstimateNanos(A)).isCloseTo(1_000 * MS, within(1.0));

        String b = "node-b/orders";
        Outstanding slow = stats.start(b);
        now.addAndGet(3_000 * MS);
        slow.failure();
        assertThat(stats.latencyEstimateNanos(b)).isCloseTo(3_000 * MS, within(1.0));
    }

    @Test
    void loadIsLatencyTimesInFlightPlusOne() {
        stats.start(A).success(10 * MS);
        stats.start(A);
        stats.start(A);

        assertThat(stats.load(A, now.get())).isCloseTo(30 * MS, within(1.0));
        assertThat(stats.load("unknown", now.get())).isZero();
    }

    @Test
    void forgottenEndpointsStartOver() {
        stats.start(A).success(10 * MS);
        stats.start("node-b/orders").success(10 * MS);

        stats.retain(Set.of("node-b/orders"));

        assertThat(stats.latencyEstimateNanos(A)).isZero();
        assertThat(stats.latencyEstimateNanos("node-b/orders")).isPositive();
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(
                        () -> EndpointStats.create(now::get, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("decay: PT0S (expected: > 0)");
    }
}
