package io.rhizome.mesh.node.resilience.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Requests and retries to one service over the last {@link #WINDOW} (ten one-second buckets).
 * Lock-free: a bucket is replaced by CAS when its second is over (one allocation per second); a
 * count that races the replacement may land in the old bucket and be lost, which a budget can
 * afford.
 */
public final class RetryWindow {
    /** How far back requests and retries count. */
    public static final Duration WINDOW = Duration.ofSeconds(10);

    private static final int BUCKETS = 10;
    private static final long BUCKET_NANOS = WINDOW.toNanos() / BUCKETS;

    private static final class Bucket {
        final long epoch;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong retries = new AtomicLong();

        Bucket(long epoch) {
            this.epoch = epoch;
        }
    }

    private final AtomicReferenceArray<Bucket> buckets = new AtomicReferenceArray<>(BUCKETS);
    private final LongSupplier nanoClock;

    private RetryWindow(LongSupplier nanoClock) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    public static RetryWindow create(LongSupplier nanoClock) {
        return new RetryWindow(nanoClock);
    }

    public static RetryWindow create() {
        return new RetryWindow(System::nanoTime);
    }

    void request() {
        current(Math.floorDiv(nanoClock.getAsLong(), BUCKET_NANOS)).requests.incrementAndGet();
    }

    /**
     * Counts a retry, or counts nothing and returns false when it would go beyond {@code
     * allowed(requests)}.
     */
    boolean tryRetry(RetryBudgetPolicy policy) {
        long epoch = Math.floorDiv(nanoClock.getAsLong(), BUCKET_NANOS);
        Bucket b = current(epoch);
        b.retries
                .incrementAndGet(); // counted first, so concurrent retries cannot all pass one free
        // slot
        long requests = 0;
        long retries = 0;
        for (int i = 0; i < BUCKETS; i++) {
            Bucket x = buckets.get(i);
            if (x != null && epoch - x.epoch < BUCKETS && x.epoch <= epoch) {
                requests += x.requests.get();
                retries += x.retries.get();
            }
        }
        double allowed =
                policy.ratio() * requests + (double) policy.minPerSecond() * WINDOW.toSeconds();
        if (retries > allowed) {
            b.retries.decrementAndGet();
            return false;
        }
        return true;
    }

    private Bucket current(long epoch) {
        int i = (int) Math.floorMod(epoch, (long) BUCKETS);
        while (true) {
            Bucket b = buckets.get(i);
            if (b != null && b.epoch >= epoch) {
                return b; // this second's bucket (or, on a stale clock read, the next one's)
            }
            Bucket fresh = new Bucket(epoch);
            if (buckets.compareAndSet(i, b, fresh)) {
                return fresh;
            }
        }
    }
}
