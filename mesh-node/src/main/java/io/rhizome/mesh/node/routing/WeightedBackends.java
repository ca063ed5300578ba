package io.rhizome.mesh.node.routing;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Splits a rule's traffic among its backends by weight.
 *
 * <p>Each pick draws from {@link ThreadLocalRandom}: event loops share no counter (no contended
 * cache line per request), and the split cannot lock onto a client's request pattern the way a
 * round-robin cursor can (a client alternating two requests over a 50/50 split would send each kind
 * to one backend only). Envoy's weighted clusters pick the same way. Over n picks a backend of
 * share p gets p·n ± 3·sqrt(n·p·(1−p)).
 */
public interface WeightedBackends {

    /**
     * One backend chosen by weight (weight 0 never), or {@link BackendPick.NoBackend} when all are
     * 0.
     */
    BackendPick pick();

    /** The backends in rule order, weight-0 ones included. */
    List<RouteBackend> backends();

    /** Backends picked with {@link ThreadLocalRandom}. */
    static WeightedBackends of(List<RouteBackend> backends) {
        return new RandomWeightedBackends(backends, ThreadLocalRandom::current);
    }

    /** Backends picked with the generator {@code random} supplies (tests pass a seeded one). */
    static WeightedBackends of(
            List<RouteBackend> backends, Supplier<? extends RandomGenerator> random) {
        return new RandomWeightedBackends(backends, random);
    }
}
