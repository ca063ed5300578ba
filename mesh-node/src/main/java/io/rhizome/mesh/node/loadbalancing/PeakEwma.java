package io.rhizome.mesh.node.loadbalancing;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A peak-EWMA latency estimate: CAS on an immutable (estimate, stamp) pair. Readers decay it to
 * their own "now" without writing, so reading it per pick costs no contended write.
 */
final class PeakEwma {
    /** Finagle's score for an endpoint with requests in flight and no answer yet (~140 s in ns). */
    static final double NO_SAMPLE_PENALTY = (double) (Long.MAX_VALUE >> 16);

    /** The decay time constant, shared by every endpoint of one {@link EndpointStats}. */
    record Rule(long decayNanos) {
        double weightOfOld(long elapsedNanos) {
            return elapsedNanos <= 0 ? 1.0 : Math.exp(-(double) elapsedNanos / decayNanos);
        }
    }

    private record State(double estimate, long stamp) {}

    private static final State NONE = new State(0, 0);

    private final AtomicReference<State> state = new AtomicReference<>(NONE);

    boolean sampled() {
        return state.get() != NONE;
    }

    /** The estimate decayed to {@code now}. */
    double estimate(Rule rule, long now) {
        State s = state.get();
        return s == NONE ? 0 : s.estimate * rule.weightOfOld(now - s.stamp);
    }

    void observe(Rule rule, long latencyNanos, long now) {
        while (true) {
            State s = state.get();
            double next;
            if (s == NONE) {
                next = latencyNanos;
            } else {
                double w = rule.weightOfOld(now - s.stamp);
                double decayed = s.estimate * w;
                next = latencyNanos > decayed ? latencyNanos : decayed + latencyNanos * (1 - w);
            }
            // Stamps only move forward: a late sample from an older clock reading must not rewind
            // decay.
            State update = new State(next, s == NONE ? now : Math.max(s.stamp, now));
            if (state.compareAndSet(s, update)) {
                return;
            }
        }
    }
}
