package io.rhizome.mesh.node.policy;

import java.util.concurrent.atomic.AtomicReference;

/** The current {@link PolicySnapshot}; written by {@link PolicyActor}, read without locks. */
public final class PolicyView {
    private final AtomicReference<PolicySnapshot> current = new AtomicReference<>(PolicySnapshot.EMPTY);

    public PolicySnapshot current() {
        return current.get();
    }

    void publish(PolicySnapshot snapshot) {
        current.set(snapshot);
    }
}
