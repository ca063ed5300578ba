package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
    private final EndpointStats stats = EndpointStats.create(() -> 0);

    private LoadBalancer of(String name) {
        return LoadBalancer.of(
                DestinationPolicySpec.newBuilder()
                        .setService("orders")
                        .setLoadBalancer(name)
                        .build(),
                stats);
    }

    @Test
    void thePolicyNamesTheAlgorithm() {
        assertThat(of("")).isInstanceOf(RoundRobinBalancer.class);
        assertThat(of("round-robin")).isInstanceOf(RoundRobinBalancer.class);
        assertThat(of("weighted-round-robin")).isInstanceOf(WeightedRoundRobinBalancer.class);
        assertThat(of("least-request")).isInstanceOf(LeastRequestBalancer.class);
        assertThat(of("ring-hash")).isInstanceOf(RingHashBalancer.class);
        assertThat(of("maglev")).isInstanceOf(MaglevBalancer.class);
        assertThat(of("random")).isInstanceOf(RandomBalancer.class);
    }

    @Test
    void anUnknownAlgorithmIsRefusedByName() {
        assertThatThrownBy(() -> of("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("load-balancer: fastest (expected: round-robin, ");
    }

    @Test
    void eachInstanceHasItsOwnCursor() {
        var candidates = Endpoints.endpoints(2);
        LoadBalancer orders = of("round-robin");
        LoadBalancer billing = of("round-robin");

        var first = orders.pick(candidates, PickContext.NONE);
        billing.pick(candidates, PickContext.NONE);

        assertThat(orders.pick(candidates, PickContext.NONE)).isNotEqualTo(first);
    }
}
