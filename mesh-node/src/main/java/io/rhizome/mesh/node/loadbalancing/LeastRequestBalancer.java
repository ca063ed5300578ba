package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Power of two choices (Mitzenmacher; Envoy's and Linkerd's least-request): two distinct candidates
 * at random, the one with the lower {@link EndpointStats} load wins. Two samples avoid both the
 * herd a global minimum attracts and the O(n) scan; the peak-EWMA load makes a slow or failing
 * endpoint lose nearly every comparison while still being probed as its estimate decays.
 */
final class LeastRequestBalancer implements LoadBalancer {
    private final EndpointStats stats;
    private final Supplier<? extends RandomGenerator> random;

    LeastRequestBalancer(EndpointStats stats, Supplier<? extends RandomGenerator> random) {
        this.stats = stats;
        this.random = random;
    }

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        RandomGenerator r = random.get();
        int i = r.nextInt(n);
        int j = r.nextInt(n - 1);
        if (j >= i) {
            j++; // distinct from i, uniform over the rest
        }
        MeshEndpoint a = candidates.get(i);
        MeshEndpoint b = candidates.get(j);
        long now = stats.now();
        double loadA = stats.load(a.id(), now);
        double loadB = stats.load(b.id(), now);
        if (loadA == loadB) {
            return r.nextBoolean() ? a : b;
        }
        return loadA < loadB ? a : b;
    }

    @Override
    public String toString() {
        return "least-request";
    }
}
