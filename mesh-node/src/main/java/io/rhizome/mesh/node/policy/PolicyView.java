package io.rhizome.mesh.node.policy;

import java.util.concurrent.atomic.AtomicReference;

/** The current {@link PolicySnapshot}; written by {@link PolicyActor}, read without locks. */
public final class PolicyView {
    private final AtomicReference<PolicySnapshot> current =
            new AtomicReference<>(PolicySnapshot.EMPTY);
    private volatile long changedAtMillis;

    public PolicySnapshot current() {
        return current.get();
    }

    /**
     * When this node last saw the policy change (its digest), epoch milliseconds; 0 before any
     * change.
     */
    public long changedAtMillis() {
        return changedAtMillis;
    }

    void publish(PolicySnapshot snapshot) {
        PolicySnapshot previous = current.getAndSet(snapshot);
        if (!previous.digest().equals(snapshot.digest())) {
            changedAtMillis = System.currentTimeMillis();
        }
    }
}
