package io.rhizome.mesh.node.resilience.circuitbreaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class ConnectionLimitTest {
    private final List<String> ran = new ArrayList<>();
    private final Executor direct = Runnable::run;

    @Test
    void maxPendingBoundsRequestsWaitingForAConnection() {
        ConnectionLimit limit = ConnectionLimit.of(0, 2, new ConnectionLimit.Counters());

        assertThat(limit.tryStartPending()).isTrue();
        assertThat(limit.tryStartPending()).isTrue();
        assertThat(limit.tryStartPending()).as("a third waiting request").isFalse();
        limit.endPending();
        assertThat(limit.tryStartPending()).isTrue();
        assertThat(limit.tryOpen()).as("no max-connections").isTrue();
    }

    @Test
    void aClosedConnectionLetsTheOldestWaiterOpenOne() {
        ConnectionLimit limit = ConnectionLimit.of(1, 0, new ConnectionLimit.Counters());
        assertThat(limit.tryOpen()).isTrue();
        assertThat(limit.tryOpen()).isFalse();
        limit.await(direct, () -> ran.add("first"));
        limit.await(direct, () -> ran.add("second"));
        assertThat(limit.hasWaiters()).isTrue();

        limit.closed();

        assertThat(ran).containsExactly("first");
        assertThat(limit.open()).isZero();
        assertThat(limit.tryOpen()).isTrue();
    }

    @Test
    void aCancelledWaiterIsSkippedAndNoLongerCounts() {
        ConnectionLimit limit = ConnectionLimit.of(1, 0, new ConnectionLimit.Counters());
        limit.tryOpen();
        ConnectionLimit.Waiter gaveUp = limit.await(direct, () -> ran.add("gave-up"));
        limit.await(direct, () -> ran.add("waiting"));

        assertThat(gaveUp.cancel()).isTrue();
        limit.closed();

        assertThat(ran).containsExactly("waiting");
        assertThat(limit.hasWaiters()).isFalse();
    }

    @Test
    void aWaiterEnqueuedJustAfterAConnectionClosedIsWokenAtOnce() {
        ConnectionLimit limit = ConnectionLimit.of(1, 0, new ConnectionLimit.Counters());
        // tryOpen failed a moment ago, but the connection closed before the request queued itself.

        limit.await(direct, () -> ran.add("woken"));

        assertThat(ran).containsExactly("woken");
        assertThat(limit.hasWaiters()).isFalse();
    }

    @Test
    void countersOutliveALimitRebuiltForANewPolicySnapshot() {
        ConnectionLimit.Counters counters = new ConnectionLimit.Counters();
        ConnectionLimit before = ConnectionLimit.of(2, 0, counters);
        before.tryOpen();
        before.tryOpen();

        ConnectionLimit after = ConnectionLimit.of(2, 0, counters);

        assertThat(after.tryOpen()).isFalse();
        assertThat(ConnectionLimit.of(0, 0, counters)).isSameAs(ConnectionLimit.UNLIMITED);
    }
}
