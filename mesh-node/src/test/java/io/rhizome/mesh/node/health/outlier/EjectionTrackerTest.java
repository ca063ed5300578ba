package io.rhizome.mesh.node.health.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EjectionTrackerTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final EjectionTracker tracker = new EjectionTracker(Duration.ofSeconds(10), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void anEndpointIsNotEjectedUntilItIsEjected() {
        assertThat(tracker.isEjected("node-1/orders")).isFalse();

        tracker.eject("node-1/orders");

        assertThat(tracker.isEjected("node-1/orders")).isTrue();
        assertThat(tracker.isEjected("node-2/orders")).isFalse();
    }

    @Test
    void ejectionEndsWhenItsTimeIsUp() {
        tracker.eject("node-1/orders");

        advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(tracker.isEjected("node-1/orders")).isTrue();

        advance(Duration.ofNanos(1));
        assertThat(tracker.isEjected("node-1/orders")).isFalse();
    }

    @Test
    void aSuccessDuringAnEjectionDoesNotEndIt() {
        // A try that began before the ejection, or panic traffic, may still succeed: the ejection
        // runs its course.
        tracker.eject("node-1/orders");

        tracker.succeeded("node-1/orders");

        assertThat(tracker.isEjected("node-1/orders")).isTrue();
        advance(Duration.ofSeconds(10));
        assertThat(tracker.isEjected("node-1/orders")).isFalse();
    }

    @Test
    void aFailureDuringAnEjectionNeitherExtendsNorRepeatsIt() {
        tracker.eject("node-1/orders");
        advance(Duration.ofSeconds(8));

        tracker.eject("node-1/orders");
        assertThat(tracker.ejections("node-1/orders")).isEqualTo(1);

        advance(Duration.ofSeconds(2));
        assertThat(tracker.isEjected("node-1/orders")).isFalse();
    }

    @Test
    void survivesTheNanoClockCrossingZero() {
        // System.nanoTime may be negative and may wrap; deadlines compare by difference.
        now.set(Long.MAX_VALUE - Duration.ofSeconds(1).toNanos());
        tracker.eject("node-1/orders");

        advance(Duration.ofSeconds(5));
        assertThat(tracker.isEjected("node-1/orders")).isTrue();
        advance(Duration.ofSeconds(5));
        assertThat(tracker.isEjected("node-1/orders")).isFalse();
    }

    @Test
    void theDefaultEjectionLastsTenSeconds() {
        EjectionTracker defaults = EjectionTracker.create(now::get);

        defaults.eject("node-1/orders");

        advance(Duration.ofSeconds(10).minusMillis(1));
        assertThat(defaults.isEjected("node-1/orders")).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(defaults.isEjected("node-1/orders")).isFalse();
    }
}
