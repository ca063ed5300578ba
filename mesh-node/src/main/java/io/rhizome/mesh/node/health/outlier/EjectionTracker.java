package io.rhizome.mesh.node.health.outlier;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Endpoints ejected by the data plane itself: a refused connection or a reset ejects an endpoint at
 * once, long before membership notices (DESIGN §4). Lock-free; time from an injectable clock.
 */
public final class EjectionTracker {
    private final ConcurrentHashMap<String, Long> ejectedUntil = new ConcurrentHashMap<>();
    private final long ejectionNanos;
    private final LongSupplier nanoClock;

    public EjectionTracker(Duration ejection, LongSupplier nanoClock) {
        this.ejectionNanos = ejection.toNanos();
        this.nanoClock = nanoClock;
    }

    public static EjectionTracker create() {
        return new EjectionTracker(Duration.ofSeconds(10), System::nanoTime);
    }

    public void eject(String endpointId) {
        ejectedUntil.put(endpointId, nanoClock.getAsLong() + ejectionNanos);
    }

    /** A successful response from the endpoint ends its ejection early. */
    public void succeeded(String endpointId) {
        if (!ejectedUntil.isEmpty()) {
            ejectedUntil.remove(endpointId);
        }
    }

    public boolean isEjected(String endpointId) {
        if (ejectedUntil.isEmpty()) {
            return false;
        }
        Long until = ejectedUntil.get(endpointId);
        if (until == null) {
            return false;
        }
        if (until - nanoClock.getAsLong() <= 0) {
            ejectedUntil.remove(endpointId, until);
            return false;
        }
        return true;
    }
}
