package io.rhizome.mesh.node.observability.stats;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts and a latency histogram over a sliding window: a ring of {@link #SLOT_MILLIS} slots, each
 * an {@link AtomicLongArray}. Recording is lock-free (a CAS only when a slot turns over, once per
 * 10 s); a slot's array is allocated when the first request of its period arrives, so an idle key
 * costs nothing.
 */
final class StatsWindow {
    /** Width of one slot: 10 s. */
    static final long SLOT_MILLIS = 10_000;

    /** Slots kept: 30 full ones (5 minutes) plus the current one. */
    static final int SLOTS = 31;

    static final int REQUESTS = 0;
    static final int FAILURES = 1;
    static final int REFUSED = 2;

    /** Bytes both ways (connections only). */
    static final int BYTES = 3;

    static final int LATENCY = 4;

    private static final class Slot {
        final long epoch;
        final AtomicLongArray counts = new AtomicLongArray(LATENCY + LatencyHistogram.BUCKETS);

        Slot(long epoch) {
            this.epoch = epoch;
        }
    }

    private final AtomicReferenceArray<Slot> ring = new AtomicReferenceArray<>(SLOTS);

    void record(long nowMillis, boolean failure, boolean refused, int latencyBucket) {
        AtomicLongArray c = slot(nowMillis / SLOT_MILLIS).counts;
        c.incrementAndGet(REQUESTS);
        if (failure) {
            c.incrementAndGet(FAILURES);
        }
        if (refused) {
            c.incrementAndGet(REFUSED);
        }
        c.incrementAndGet(LATENCY + latencyBucket);
    }

    /**
     * One connection that closed ({@code failure}: it could not be carried), its bytes both ways
     * and its duration's bucket.
     */
    void recordConnection(long nowMillis, boolean failure, long bytes, int durationBucket) {
        AtomicLongArray c = slot(nowMillis / SLOT_MILLIS).counts;
        c.incrementAndGet(REQUESTS);
        if (failure) {
            c.incrementAndGet(FAILURES);
        } else {
            c.addAndGet(BYTES, bytes);
            c.incrementAndGet(LATENCY + durationBucket);
        }
    }

    private Slot slot(long epoch) {
        int index = (int) (epoch % SLOTS);
        while (true) {
            Slot s = ring.get(index);
            if (s != null && s.epoch >= epoch) {
                return s; // the current period (a newer one only if this thread slept through 5
                // minutes)
            }
            Slot fresh = new Slot(epoch);
            if (ring.compareAndSet(index, s, fresh)) {
                return fresh;
            }
        }
    }

    /**
     * Adds the last {@code slots} periods up to {@code nowMillis} (the current, partial one
     * included) into {@code out}: requests, failures, refused, bytes, then the histogram.
     */
    boolean sumInto(long nowMillis, int slots, long[] out) {
        long now = nowMillis / SLOT_MILLIS;
        boolean any = false;
        for (int i = 0; i < SLOTS; i++) {
            Slot s = ring.get(i);
            if (s != null && s.epoch <= now && s.epoch > now - slots) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += s.counts.get(j);
                }
                any = true;
            }
        }
        return any;
    }

    static long[] newSums() {
        return new long[LATENCY + LatencyHistogram.BUCKETS];
    }
}
