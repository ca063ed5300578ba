package io.rhizome.mesh.node.resilience;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The circuit breaker's {@code max-requests}: requests to one destination service in flight on this
 * node. Lock-free; a request that {@link #tryAcquire() acquires} must {@link #release()} exactly
 * once.
 */
public final class RequestLimit {
    /** No limit: acquiring always succeeds and counts nothing. */
    public static final RequestLimit UNLIMITED = new RequestLimit(0, null);

    private final int max;
    private final AtomicInteger inflight;

    private RequestLimit(int max, AtomicInteger inflight) {
        this.max = max;
        this.inflight = inflight;
    }

    /**
     * A limit of {@code max} requests counted on {@code inflight} (shared across policy snapshots).
     */
    static RequestLimit of(int max, AtomicInteger inflight) {
        return max <= 0 ? UNLIMITED : new RequestLimit(max, inflight);
    }

    /** Takes a slot, or returns false when {@code max} requests are already in flight. */
    public boolean tryAcquire() {
        if (inflight == null) {
            return true;
        }
        int n;
        do {
            n = inflight.get();
            if (n >= max) {
                return false;
            }
        } while (!inflight.compareAndSet(n, n + 1));
        return true;
    }

    /** Gives back a slot taken by {@link #tryAcquire()}. */
    public void release() {
        if (inflight != null) {
            inflight.decrementAndGet();
        }
    }

    /** The limit, or 0 when unlimited. */
    public int max() {
        return max;
    }

    /** Requests holding a slot now. */
    public int inflight() {
        return inflight == null ? 0 : inflight.get();
    }
}
