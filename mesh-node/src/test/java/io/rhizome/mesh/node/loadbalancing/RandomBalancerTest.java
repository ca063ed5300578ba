package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.count;
import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomBalancerTest {

    @Test
    void picksAreRoughlyEven() {
        SplittableRandom random = new SplittableRandom(42);
        LoadBalancer balancer =
                LoadBalancer.of(
                        DestinationPolicySpec.newBuilder().setLoadBalancer("random").build(),
                        EndpointStats.create(() -> 0),
                        () -> random);
        List<MeshEndpoint> candidates = endpoints(4);

        Map<String, Integer> counts =
                count(40_000, () -> balancer.pick(candidates, PickContext.NONE));

        // 10000 expected each; 3 standard deviations are ~260.
        assertThat(counts).hasSize(4);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_500, 10_500));
    }

    @Test
    void aSingleCandidateIsAlwaysThePick() {
        LoadBalancer balancer = new RandomBalancer(() -> new SplittableRandom(1));
        List<MeshEndpoint> one = endpoints(1);

        assertThat(balancer.pick(one, PickContext.NONE)).isEqualTo(one.get(0));
    }
}
