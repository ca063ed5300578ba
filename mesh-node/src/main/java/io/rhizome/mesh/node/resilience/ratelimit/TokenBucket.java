package io.rhizome.mesh.node.resilience.ratelimit;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A lock-free token bucket: it holds at most {@code capacity} tokens, gains {@code perSecond}
 * tokens a second, and each admitted request takes one. It starts full. The state is an immutable
 * (tokens, time) pair swapped by CAS; refill is computed lazily on each acquire.
 */
public final class TokenBucket {

    private record State(double tokens, long nanos) {}

    private final double perNano;
    private final int capacity;
    private final LongSupplier clock;
    private final AtomicReference<State> state;

    private TokenBucket(double perSecond, int capacity, LongSupplier clock) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: > 0)");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.perNano = perSecond / 1e9;
        this.capacity = capacity;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = new AtomicReference<>(new State(capacity, clock.getAsLong()));
    }

    /**
     * A full bucket of {@code capacity} tokens refilled at {@code perSecond}, timed by {@code
     * nanoClock}.
     */
    public static TokenBucket create(double perSecond, int capacity, LongSupplier nanoClock) {
        return new TokenBucket(perSecond, capacity, nanoClock);
    }

    /**
     * Takes a token: 0 when one was there, else the nanoseconds until one will be (and nothing is
     * taken).
     */
    public long tryAcquire() {
        return tryAcquire(1.0);
    }

    /**
     * As {@link #tryAcquire()} for a bucket scaled to {@code share} (0..1] of its rate and capacity
     * (at least one token): this node's part of a global limit.
     */
    public long tryAcquire(double share) {
        double rate = perNano * share;
        double cap = Math.max(1, capacity * share);
        while (true) {
            State s = state.get();
            long now = clock.getAsLong();
            // Another thread may have stored a later time than this thread's reading: never refill
            // backwards.
            long at = Math.max(now, s.nanos());
            double tokens = Math.min(cap, s.tokens() + (at - s.nanos()) * rate);
            if (tokens < 1) {
                return Math.max(1, (long) Math.ceil((1 - tokens) / rate));
            }
            if (state.compareAndSet(s, new State(tokens - 1, at))) {
                return 0;
            }
        }
    }

    /**
     * Whether the bucket is full now (an idle caller's bucket may be dropped and recreated alike).
     */
    boolean isFull() {
        State s = state.get();
        return s.tokens() + (clock.getAsLong() - s.nanos()) * perNano >= capacity;
    }
}
