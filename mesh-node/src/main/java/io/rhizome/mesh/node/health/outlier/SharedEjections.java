package io.rhizome.mesh.node.health.outlier;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Endpoints that other nodes ejected, each until the time its ejector set (epoch milliseconds, the
 * ejector's back-off): an immutable snapshot that {@link EjectionGossipActor} publishes and the
 * data plane reads without locks.
 */
public final class SharedEjections {
    private final AtomicReference<Map<String, Long>> until = new AtomicReference<>(Map.of());
    private final LongSupplier clockMillis;

    public SharedEjections(LongSupplier clockMillis) {
        this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
    }

    /** Whether another node's ejection of {@code endpointId} still runs. */
    public boolean isEjected(String endpointId) {
        Map<String, Long> m = until.get();
        if (m.isEmpty()) {
            return false;
        }
        Long u = m.get(endpointId);
        return u != null && u > clockMillis.getAsLong();
    }

    /** Replaces the snapshot: endpoint id → end of its ejection (epoch ms). */
    public void publish(Map<String, Long> ejections) {
        until.set(Map.copyOf(ejections));
    }

    /** The current snapshot (the admin API and tests). */
    public Map<String, Long> current() {
        return until.get();
    }
}
