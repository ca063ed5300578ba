package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** Uniform: no shared state at all, each event loop draws from its own generator. */
final class RandomBalancer implements LoadBalancer {
    private final Supplier<? extends RandomGenerator> random;

    RandomBalancer(Supplier<? extends RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        return pickRandom(candidates, random);
    }

    static MeshEndpoint pickRandom(
            List<MeshEndpoint> candidates, Supplier<? extends RandomGenerator> random) {
        int n = candidates.size();
        return n == 1 ? candidates.get(0) : candidates.get(random.get().nextInt(n));
    }

    @Override
    public String toString() {
        return "random";
    }
}
