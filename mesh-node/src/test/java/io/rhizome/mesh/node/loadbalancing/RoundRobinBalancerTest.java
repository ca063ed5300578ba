package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.count;
import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
    private final LoadBalancer balancer = LoadBalancer.roundRobin();

    @Test
    void everyEndpointGetsExactlyItsTurn() {
        List<MeshEndpoint> candidates = endpoints(3);

        Map<String, Integer> counts =
                count(3000, () -> balancer.pick(candidates, PickContext.NONE));

        assertThat(counts)
                .containsOnly(
                        Map.entry("node-a/orders", 1000),
                        Map.entry("node-b/orders", 1000),
                        Map.entry("node-c/orders", 1000));
    }

    @Test
    void consecutivePicksVisitEachEndpointOncePerCycle() {
        List<MeshEndpoint> candidates = endpoints(4);

        List<MeshEndpoint> firstCycle =
                List.of(
                        balancer.pick(candidates, PickContext.NONE),
                                balancer.pick(candidates, PickContext.NONE),
                        balancer.pick(candidates, PickContext.NONE),
                                balancer.pick(candidates, PickContext.NONE));

        assertThat(firstCycle).containsExactlyInAnyOrderElementsOf(candidates);
    }
}
