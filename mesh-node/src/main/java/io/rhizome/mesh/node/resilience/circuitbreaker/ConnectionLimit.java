package io.rhizome.mesh.node.resilience.circuitbreaker;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The circuit breaker's {@code max-connections} and {@code max-pending} for one destination service
 * on this node (Envoy's cluster circuit breakers):
 *
 * <ul>
 *   <li>a request that finds no idle pooled connection is <em>pending</em> until it has one (being
 *       connected, or waiting for room under {@code max-connections}); a request that would be one
 *       more than {@code max-pending} is turned away at once;
 *   <li>connections opened for the service count until they close; at {@code max-connections} a
 *       pending request {@link #await waits} for one of them to close (the proxy closes a finished
 *       connection instead of pooling it while requests wait), bounded by the connect timeout.
 * </ul>
 *
 * Lock-free; counters live as long as the service's {@code DestinationPolicies} entry, across
 * policy snapshots. A {@code 0} maximum is unlimited.
 */
public final class ConnectionLimit {
    /** Neither limit: every call succeeds and counts nothing. */
    public static final ConnectionLimit UNLIMITED = new ConnectionLimit(0, 0, new Counters());

    /** The shared counters of one service (kept across policy snapshots by the caller). */
    public static final class Counters {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger pending = new AtomicInteger();
        final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    }

    /** A pending request waiting for room; {@link #cancel()} when it stops waiting. */
    public static final class Waiter {
        private final Executor executor;
        private final Runnable resume;
        private final ConcurrentLinkedQueue<Waiter> queue;
        private final AtomicBoolean done = new AtomicBoolean();

        Waiter(Executor executor, Runnable resume, ConcurrentLinkedQueue<Waiter> queue) {
            this.executor = executor;
            this.resume = resume;
            this.queue = queue;
        }

        /** Stops waiting (timed out, or the client left); returns false if it was already woken. */
        public boolean cancel() {
            boolean cancelled = done.compareAndSet(false, true);
            queue.remove(this);
            return cancelled;
        }

        boolean wake() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            executor.execute(resume);
            return true;
        }
    }

    private final int maxConnections;
    private final int maxPending;
    private final Counters counters;

    private ConnectionLimit(int maxConnections, int maxPending, Counters counters) {
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.counters = counters;
    }

    /**
     * Limits of {@code maxConnections} and {@code maxPending} (0: unlimited) counted on {@code
     * counters}.
     */
    public static ConnectionLimit of(int maxConnections, int maxPending, Counters counters) {
        if (maxConnections <= 0 && maxPending <= 0) {
            return UNLIMITED;
        }
        return new ConnectionLimit(Math.max(0, maxConnections), Math.max(0, maxPending), counters);
    }

    /** Whether this limit counts anything (the proxy skips the bookkeeping otherwise). */
    public boolean limited() {
        return this != UNLIMITED;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxPending() {
        return maxPending;
    }

    /** Connections to the service counted now (opened and not yet closed). */
    public int openConnections() {
        return counters.open.get();
    }

    /** Requests waiting for a connection now. */
    public int pendingRequests() {
        return counters.pending.get();
    }

    /**
     * A request starts waiting for a connection; false when {@code max-pending} are already
     * waiting.
     */
    public boolean tryStartPending() {
        return tryIncrement(counters.pending, maxPending);
    }

    /** A request that {@link #tryStartPending() started pending} has a connection, or gave up. */
    public void endPending() {
        if (limited()) {
            counters.pending.decrementAndGet();
        }
    }

    /** Takes room for one more connection; false at {@code max-connections}. */
    public boolean tryOpen() {
        return tryIncrement(counters.open, maxConnections);
    }

    /**
     * A connection counted by {@link #tryOpen()} closed (or never opened): a waiting request may
     * go.
     */
    public void closed() {
        if (!limited()) {
            return;
        }
        counters.open.decrementAndGet();
        Waiter w;
        while ((w = counters.waiters.poll()) != null) {
            if (w.wake()) {
                return;
            }
        }
    }

    /**
     * Queues a pending request until a connection closes; {@code resume} runs on {@code executor}.
     */
    public Waiter await(Executor executor, Runnable resume) {
        Waiter w = new Waiter(executor, resume, counters.waiters);
        counters.waiters.add(w);
        // A connection may have closed between tryOpen failing and the enqueue: look again.
        if (counters.open.get() < maxConnections && counters.waiters.remove(w)) {
            w.wake();
        }
        return w;
    }

    /**
     * Requests wait for room: a finished connection should close rather than go back to the pool.
     */
    public boolean hasWaiters() {
        return limited() && !counters.waiters.isEmpty();
    }

    /** Connections open now (tests, metrics). */
    public int open() {
        return counters.open.get();
    }

    /** Requests pending now (tests, metrics). */
    public int pending() {
        return counters.pending.get();
    }

    private boolean tryIncrement(AtomicInteger counter, int max) {
        if (!limited()) {
            return true;
        }
        int n;
        do {
            n = counter.get();
            if (max > 0 && n >= max) {
                return false;
            }
        } while (!counter.compareAndSet(n, n + 1));
        return true;
    }
}
