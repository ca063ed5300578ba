package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One atomic cursor per service (per instance); the cursor modulo the candidates of each pick. */
final class RoundRobinBalancer implements LoadBalancer {
    private final AtomicInteger cursor = new AtomicInteger();

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        return candidates.get(Math.floorMod(cursor.getAndIncrement(), n));
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
