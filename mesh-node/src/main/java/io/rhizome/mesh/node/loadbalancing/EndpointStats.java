package io.rhizome.mesh.node.loadbalancing;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;

/**
 * Requests in flight and a peak-EWMA latency estimate per endpoint id, which {@code least-request}
 * scores endpoints by. The proxy wraps every upstream exchange in {@link #start(String)} and
 * completes the handle (the shape of Netflix concurrency-limits' {@code Limiter.acquire}).
 * Lock-free; time from an injectable nano clock.
 *
 * <p>Peak EWMA as in Finagle and Linkerd: a sample above the estimate replaces it at once (an
 * endpoint that slows down is avoided immediately), one below pulls it down with weight {@code 1 -
 * e^(-Δt/decay)}, and the estimate decays toward 0 while no samples come, so an endpoint that was
 * slow or failing gets probed again after a while.
 */
public final class EndpointStats {
    /** Default decay time constant: 10 s. */
    public static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);

    /** Default latency a failure counts as: 1 s. */
    public static final Duration DEFAULT_FAILURE_PENALTY = Duration.ofSeconds(1);

    private final ConcurrentHashMap<String, Stat> stats = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final PeakEwma.Rule rule;
    private final long failurePenaltyNanos;

    private EndpointStats(LongSupplier nanoClock, Duration decay, Duration failurePenalty) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (decay.isNegative() || decay.isZero()) {
            throw new IllegalArgumentException("decay: " + decay + " (expected: > 0)");
        }
        if (failurePenalty.isNegative()) {
            throw new IllegalArgumentException(
                    "failurePenalty: " + failurePenalty + " (expected: >= 0)");
        }
        this.rule = new PeakEwma.Rule(decay.toNanos());
        this.failurePenaltyNanos = failurePenalty.toNanos();
    }

    /** Stats on {@link System#nanoTime()} with the defaults. */
    public static EndpointStats create() {
        return create(System::nanoTime);
    }

    public static EndpointStats create(LongSupplier nanoClock) {
        return create(nanoClock, DEFAULT_DECAY, DEFAULT_FAILURE_PENALTY);
    }

    public static EndpointStats create(
            LongSupplier nanoClock, Duration decay, Duration failurePenalty) {
        return new EndpointStats(nanoClock, decay, failurePenalty);
    }

    /** A request to {@code endpointId} starts now; complete the handle when it ends. */
    public Outstanding start(String endpointId) {
        Stat stat = stats.computeIfAbsent(endpointId, id -> new Stat());
        stat.inflight.incrementAndGet();
        return new Handle(stat, nanoClock.getAsLong());
    }

    /** Requests to {@code endpointId} started and not yet completed. */
    public int inflight(String endpointId) {
        Stat stat = stats.get(endpointId);
        return stat == null ? 0 : stat.inflight.get();
    }

    /**
     * The decayed peak-EWMA latency of {@code endpointId} now, in nanoseconds; 0 without samples.
     */
    public double latencyEstimateNanos(String endpointId) {
        Stat stat = stats.get(endpointId);
        return stat == null ? 0 : stat.ewma.estimate(rule, nanoClock.getAsLong());
    }

    /**
     * What {@code least-request} minimises: latency estimate × (in-flight + 1). An endpoint with
     * requests in flight but no sample yet scores a huge penalty (Finagle's), so a new endpoint
     * takes one probe at a time until it has answered once.
     */
    double load(String endpointId, long now) {
        Stat stat = stats.get(endpointId);
        if (stat == null) {
            return 0;
        }
        int inflight = stat.inflight.get();
        if (!stat.ewma.sampled()) {
            return inflight == 0 ? 0 : PeakEwma.NO_SAMPLE_PENALTY + inflight;
        }
        return stat.ewma.estimate(rule, now) * (inflight + 1);
    }

    long now() {
        return nanoClock.getAsLong();
    }

    /** Forgets every endpoint not in {@code endpointIds} (call when the mesh snapshot changes). */
    public void retain(Collection<String> endpointIds) {
        stats.keySet().retainAll(endpointIds);
    }

    private static final class Stat {
        final AtomicInteger inflight = new AtomicInteger();
        final PeakEwma ewma = new PeakEwma();
    }

    private final class Handle implements Outstanding {
        private static final AtomicIntegerFieldUpdater<Handle> DONE =
                AtomicIntegerFieldUpdater.newUpdater(Handle.class, "done");

        private final Stat stat;
        private final long startNanos;
        private volatile int done;

        Handle(Stat stat, long startNanos) {
            this.stat = stat;
            this.startNanos = startNanos;
        }

        @Override
        public void success() {
            success(nanoClock.getAsLong() - startNanos);
        }

        @Override
        public void success(long latencyNanos) {
            if (complete()) {
                stat.ewma.observe(rule, Math.max(0, latencyNanos), nanoClock.getAsLong());
            }
        }

        @Override
        public void failure() {
            if (complete()) {
                long now = nanoClock.getAsLong();
                stat.ewma.observe(rule, Math.max(failurePenaltyNanos, now - startNanos), now);
            }
        }

        @Override
        public void ignore() {
            complete();
        }

        private boolean complete() {
            if (DONE.compareAndSet(this, 0, 1)) {
                stat.inflight.decrementAndGet();
                return true;
            }
            return false;
        }
    }
}
