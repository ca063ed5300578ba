package io.rhizome.mesh.node.health.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Passive outlier detection with a manual clock: threshold, growing back-off, recovery,
 * max-ejection-percent.
 */
class EjectionTrackerWithConsecutiveErrorsTest {
    private final AtomicLong now = new AtomicLong(-5_000_000_000L);
    private final EjectionTracker tracker = new EjectionTracker(Duration.ofSeconds(10), now::get);
    private final OutlierPolicy policy = new OutlierPolicy(3, Duration.ofSeconds(1), 50);
    private final List<MeshEndpoint> orders = endpoints(4);
    private final String a = orders.get(0).id();

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private EjectionDecision fail(String id) {
        return tracker.failed(id, policy, orders);
    }

    @Test
    void consecutiveErrorsEjectAtTheThreshold() {
        assertThat(fail(a)).isEqualTo(EjectionDecision.COUNTED);
        assertThat(fail(a)).isEqualTo(EjectionDecision.COUNTED);
        assertThat(tracker.isEjected(a)).isFalse();

        assertThat(fail(a)).isEqualTo(EjectionDecision.EJECTED);

        assertThat(tracker.isEjected(a)).isTrue();
        assertThat(tracker.isEjected(orders.get(1).id())).isFalse();
    }

    @Test
    void aSuccessStartsTheCountOver() {
        fail(a);
        fail(a);
        tracker.succeeded(a);
        fail(a);
        fail(a);

        assertThat(tracker.isEjected(a)).isFalse();
        assertThat(fail(a)).isEqualTo(EjectionDecision.EJECTED);
    }

    @Test
    void theBackOffGrowsWithEachEjectionAndAFailureAfterTheReturnEjectsAgain() {
        for (int i = 0; i < 3; i++) {
            fail(a);
        }
        advance(Duration.ofMillis(999));
        assertThat(tracker.isEjected(a)).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(tracker.isEjected(a)).as("back after 1 × base").isFalse();

        // no success in between: the next failure is still consecutive and ejects for 2 × base
        assertThat(fail(a)).isEqualTo(EjectionDecision.EJECTED);
        advance(Duration.ofMillis(1999));
        assertThat(tracker.isEjected(a)).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(tracker.isEjected(a)).isFalse();

        assertThat(fail(a)).isEqualTo(EjectionDecision.EJECTED);
        assertThat(tracker.ejections(a)).isEqualTo(3);
        advance(Duration.ofMillis(2999));
        assertThat(tracker.isEjected(a)).as("3 × base").isTrue();
    }

    @Test
    void theBackOffStopsGrowingAtTenTimesTheBase() {
        for (int i = 0; i < 15; i++) {
            assertThat(tracker.refused(a, policy, orders)).isEqualTo(EjectionDecision.EJECTED);
            advance(Duration.ofMinutes(1));
        }
        tracker.refused(a, policy, orders);
        advance(Duration.ofSeconds(10));

        assertThat(tracker.isEjected(a)).isFalse();
    }

    @Test
    void anEndpointThatRecoversIsForgivenAfterAsLongAsItWasOut() {
        for (int i = 0; i < 3; i++) {
            fail(a);
        }
        advance(Duration.ofSeconds(1));
        tracker.succeeded(a);
        assertThat(tracker.ejections(a)).as("back, but not yet as long as it was out").isEqualTo(1);

        advance(Duration.ofSeconds(1));
        tracker.succeeded(a);
        assertThat(tracker.ejections(a)).isZero();

        for (int i = 0; i < 3; i++) {
            fail(a);
        }
        advance(Duration.ofSeconds(1));
        assertThat(tracker.isEjected(a)).as("1 × base again").isFalse();
    }

    @Test
    void aFailureDuringTheEjectionIsNotCounted() {
        for (int i = 0; i < 3; i++) {
            fail(a);
        }

        assertThat(fail(a)).isEqualTo(EjectionDecision.ALREADY_EJECTED);
        assertThat(tracker.ejections(a)).isEqualTo(1);
    }

    @Test
    void noMoreThanMaxEjectionPercentOfTheServiceIsEjected() {
        for (MeshEndpoint e : orders) {
            for (int i = 0; i < 3; i++) {
                fail(e.id());
            }
        }

        assertThat(orders.stream().filter(e -> tracker.isEjected(e.id())))
                .as("50% of 4")
                .hasSize(2);
        assertThat(fail(orders.get(3).id())).isEqualTo(EjectionDecision.SKIPPED_MAX_PERCENT);

        advance(Duration.ofSeconds(1));
        assertThat(fail(orders.get(3).id()))
                .as("room again once the others are back")
                .isEqualTo(EjectionDecision.EJECTED);
    }

    @Test
    void aRefusedConnectionEjectsAtOnceEvenTheOneEndpointOfAService() {
        List<MeshEndpoint> single = endpoints(1);

        assertThat(tracker.refused(single.get(0).id(), policy, single))
                .isEqualTo(EjectionDecision.EJECTED);
        assertThat(tracker.isEjected(single.get(0).id())).isTrue();
    }

    @Test
    void aRefusedConnectionStaysWithinMaxEjectionPercentOnceAnotherIsEjected() {
        List<MeshEndpoint> two = endpoints(2);
        tracker.refused(two.get(0).id(), policy, two);

        assertThat(tracker.refused(two.get(1).id(), policy, two))
                .isEqualTo(EjectionDecision.SKIPPED_MAX_PERCENT);
        assertThat(tracker.isEjected(two.get(1).id())).isFalse();
    }

    @Test
    void zeroMaxEjectionPercentTurnsConsecutiveErrorEjectionOff() {
        OutlierPolicy off = new OutlierPolicy(1, Duration.ofSeconds(1), 0);

        assertThat(tracker.failed(a, off, orders)).isEqualTo(EjectionDecision.SKIPPED_MAX_PERCENT);
        assertThat(tracker.isEjected(a)).isFalse();
    }

    private static List<MeshEndpoint> endpoints(int n) {
        List<MeshEndpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String node = "node-" + (char) ('a' + i);
            out.add(
                    new MeshEndpoint(
                            node + "/orders",
                            "orders",
                            node,
                            new HostPort("10.0.0." + (i + 1), 8080),
                            new HostPort(node, 15006),
                            Map.of(),
                            EndpointStatus.SERVING,
                            false,
                            true,
                            "Up"));
        }
        return out;
    }
}
