package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Chooses one endpoint among the candidates the {@link EndpointSelector} left for a request
 * (healthy, not ejected, not yet tried; or the panic set). One instance serves one service and is
 * kept across requests: cursors, hash rings and Maglev tables live in it. Implementations are
 * lock-free and safe to call from every event loop at once.
 *
 * <p>The algorithms ({@code DestinationPolicy.spec.load-balancer}, architecture.md §9):
 *
 * <ul>
 *   <li>{@code round-robin} (default): one atomic cursor per service.
 *   <li>{@code weighted-round-robin}: smooth weighted round robin (nginx) by the endpoint label
 *       {@code weight}, an integer 1..1000; a missing or other value counts as 1.
 *   <li>{@code least-request}: power of two choices scored by peak-EWMA latency × (in-flight + 1),
 *       from the {@link EndpointStats} the proxy feeds (decay 10 s; a failure counts as 1 s).
 *   <li>{@code ring-hash}: consistent hash ring, 1024 points per endpoint (fewer beyond 128
 *       endpoints).
 *   <li>{@code maglev}: Maglev lookup table of 65537 entries.
 *   <li>{@code random}: uniform.
 * </ul>
 *
 * The two hashing ones hash {@link PickContext#hashKey()} with MurmurHash3; without a key they pick
 * at random.
 */
public interface LoadBalancer {

    /**
     * One of {@code candidates}.
     *
     * @param candidates never empty; ordered the same way from one request to the next (the mesh
     *     snapshot sorts endpoints by id), which lets the balancer reuse its tables
     */
    MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx);

    /** The balancer {@code spec.load_balancer} names ("" is the default, round robin). */
    static LoadBalancer of(DestinationPolicySpec spec, EndpointStats stats) {
        return of(spec, stats, ThreadLocalRandom::current);
    }

    /**
     * As {@link #of(DestinationPolicySpec, EndpointStats)}, drawing from the generator {@code
     * random} supplies (tests pass a seeded one).
     *
     * @throws IllegalArgumentException when the name is none of the six (the resource codec refuses
     *     such a resource, so this means a newer writer)
     */
    static LoadBalancer of(
            DestinationPolicySpec spec,
            EndpointStats stats,
            Supplier<? extends RandomGenerator> random) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(random, "random");
        String name = spec.getLoadBalancer();
        return switch (name) {
            case "", "round-robin" -> new RoundRobinBalancer();
            case "weighted-round-robin" -> new WeightedRoundRobinBalancer();
            case "least-request" -> new LeastRequestBalancer(stats, random);
            case "ring-hash" -> new RingHashBalancer(random);
            case "maglev" -> new MaglevBalancer(random);
            case "random" -> new RandomBalancer(random);
            default ->
                    throw new IllegalArgumentException(
                            "load-balancer: "
                                    + name
                                    + " (expected: round-robin, weighted-round-robin, least-request, ring-hash, maglev or random)");
        };
    }

    /** Round robin: what a service without a DestinationPolicy gets. */
    static LoadBalancer roundRobin() {
        return new RoundRobinBalancer();
    }
}
