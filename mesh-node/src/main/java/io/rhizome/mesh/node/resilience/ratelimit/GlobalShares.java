package io.rhizome.mesh.node.resilience.ratelimit;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's part of each {@code global = true} RateLimit: the requests it sees per limit
 * (lock-free counters the {@link RateLimitGossipActor} drains every second and gossips as a rate)
 * and the share of the limit it enforces (published back by that actor; read per request).
 *
 * <p>The approximation: a node's share is {@code (r + 1) / (R + n)}, where {@code r} is its own
 * recent request rate for the limit, {@code R} the sum of the rates every node reported, and {@code
 * n} the number of nodes with an instance of the service (at least the number reporting); the
 * {@code +1} per node keeps a node that has seen nothing yet from refusing its first requests. So
 * the whole service admits about the limit whatever the balance of traffic between its nodes,
 * within a second or two of that balance changing. Before any share is known a node enforces {@code
 * 1 / instances} of the limit.
 */
public final class GlobalShares {
    private final ConcurrentHashMap<String, LongAdder> seen = new ConcurrentHashMap<>();
    private final AtomicReference<Map<String, Double>> shares = new AtomicReference<>(Map.of());

    void count(String limit) {
        LongAdder adder = seen.get(limit);
        if (adder == null) {
            adder = seen.computeIfAbsent(limit, k -> new LongAdder());
        }
        adder.increment();
    }

    /** This node's share of {@code limit}, or {@code fallback} before one was published. */
    double share(String limit, double fallback) {
        Double s = shares.get().get(limit);
        return s != null ? s : fallback;
    }

    /** Requests seen per limit since the last call (the counters start over). */
    public Map<String, Long> drainCounts() {
        Map<String, Long> out = new HashMap<>();
        seen.forEach((limit, adder) -> out.put(limit, adder.sumThenReset()));
        return out;
    }

    public void publish(Map<String, Double> sharesByLimit) {
        shares.set(Map.copyOf(sharesByLimit));
    }

    public Map<String, Double> current() {
        return shares.get();
    }

    /** {@code (mine + 1) / (sum + n)}, clamped to (0, 1]; see the class documentation. */
    public static double share(double mine, double sumOfAll, int nodes) {
        double s = (mine + 1) / (Math.max(sumOfAll, mine) + Math.max(1, nodes));
        return Math.min(1.0, Math.max(1e-6, s));
    }
}
