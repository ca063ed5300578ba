package io.rhizome.mesh.node.discovery;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current {@link MeshSnapshot}: written by the registry actor, read by the data plane and the
 * admin API. It outlives the cluster-facing ActorSystem, so routing goes on with the last snapshot
 * while the control plane is recreated.
 */
public final class MeshView {
    private final AtomicReference<MeshSnapshot> current = new AtomicReference<>(MeshSnapshot.EMPTY);

    public MeshSnapshot current() {
        return current.get();
    }

    public void publish(MeshSnapshot snapshot) {
        current.set(snapshot);
    }
}
