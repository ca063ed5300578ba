package io.rhizome.mesh.node.health.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SharedEjectionsTest {
    private final AtomicLong millis = new AtomicLong(1_000_000);

    @Test
    void anotherNodesEjectionHoldsUntilItsEnd() {
        SharedEjections shared = new SharedEjections(millis::get);
        shared.publish(Map.of("node-b/orders", 1_005_000L));

        assertThat(shared.isEjected("node-b/orders")).isTrue();
        assertThat(shared.isEjected("node-c/orders")).isFalse();
        millis.set(1_005_000);
        assertThat(shared.isEjected("node-b/orders")).isFalse();
    }

    @Test
    void theTrackerTellsItsListenerOfEachEjectionWithItsBackOff() {
        AtomicLong nanos = new AtomicLong();
        EjectionTracker tracker = new EjectionTracker(Duration.ofSeconds(10), nanos::get);
        List<String> told = new ArrayList<>();
        tracker.onEjection((id, ms) -> told.add(id + " " + ms));
        OutlierPolicy policy = new OutlierPolicy(2, Duration.ofSeconds(3), 100);

        tracker.failed("a", policy, List.of());
        assertThat(told).as("below the threshold").isEmpty();
        tracker.failed("a", policy, List.of());
        nanos.addAndGet(Duration.ofSeconds(4).toNanos());
        tracker.failed(
                "a", policy,
                List.of()); // back, fails again: the second ejection lasts twice as long

        assertThat(told).containsExactly("a 3000", "a 6000");
    }
}
