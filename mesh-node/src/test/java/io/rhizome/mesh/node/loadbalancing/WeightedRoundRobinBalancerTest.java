package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.count;
import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinBalancerTest {
    private final LoadBalancer balancer = new WeightedRoundRobinBalancer();

    private static MeshEndpoint weighted(String node, String weight) {
        return endpoint(node, Map.of("weight", weight));
    }

    @Test
    void sharesFollowTheWeightLabels() {
        List<MeshEndpoint> candidates =
                List.of(
                        weighted("node-a", "5"),
                        weighted("node-b", "3"),
                        weighted("node-c", "1"),
                        endpoint("node-d"));

        Map<String, Integer> counts =
                count(10_000, () -> balancer.pick(candidates, PickContext.NONE));

        assertThat(counts.get("node-a/orders") / 10_000.0).isCloseTo(0.5, within(0.03));
        assertThat(counts.get("node-b/orders") / 10_000.0).isCloseTo(0.3, within(0.03));
        assertThat(counts.get("node-c/orders") / 10_000.0).isCloseTo(0.1, within(0.03));
        assertThat(counts.get("node-d/orders") / 10_000.0)
                .as("no label: weight 1")
                .isCloseTo(0.1, within(0.03));
    }

    @Test
    void heavyEndpointsAreInterleavedNotBunched() {
        List<MeshEndpoint> candidates =
                List.of(weighted("node-a", "5"), weighted("node-b", "1"), weighted("node-c", "1"));

        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            nodes.add(balancer.pick(candidates, PickContext.NONE).node());
        }

        // nginx's smooth weighted round robin for 5, 1, 1, twice.
        assertThat(nodes)
                .containsExactly(
                        "node-a", "node-a", "node-b", "node-a", "node-c", "node-a", "node-a",
                        "node-a", "node-a", "node-b", "node-a", "node-c", "node-a", "node-a");
    }

    @Test
    void labelsThatAreNoWeightCountAsOne() {
        assertThat(WeightedRoundRobinBalancer.weight(weighted("node-a", "heavy"))).isEqualTo(1);
        assertThat(WeightedRoundRobinBalancer.weight(weighted("node-a", "0"))).isEqualTo(1);
        assertThat(WeightedRoundRobinBalancer.weight(weighted("node-a", "1001"))).isEqualTo(1);
        assertThat(WeightedRoundRobinBalancer.weight(weighted("node-a", " 7 "))).isEqualTo(7);
    }

    @Test
    void weightsWithACommonFactorMakeAShortCycle() {
        int[] schedule =
                WeightedRoundRobinBalancer.schedule(
                        List.of(weighted("node-a", "200"), weighted("node-b", "100")));

        assertThat(schedule).containsExactly(0, 1, 0);
    }

    @Test
    void equalWeightsAreRoundRobin() {
        List<MeshEndpoint> candidates =
                List.of(endpoint("node-a"), endpoint("node-b"), endpoint("node-c"));

        Map<String, Integer> counts = count(300, () -> balancer.pick(candidates, PickContext.NONE));

        assertThat(counts.values()).containsOnly(100);
    }

    @Test
    void aVeryLongCycleIsScaledDownKeepingTheShares() {
        List<MeshEndpoint> candidates = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            candidates.add(
                    weighted("node-" + i, i % 2 == 0 ? "1000" : "999")); // one cycle: 69965 picks
        }

        int[] schedule = WeightedRoundRobinBalancer.schedule(candidates);
        int[] picks = new int[70];
        for (int i : schedule) {
            picks[i]++;
        }

        assertThat(schedule.length)
                .isLessThanOrEqualTo(WeightedRoundRobinBalancer.MAX_SCHEDULE + 70);
        for (int p : picks) {
            assertThat(p / (double) schedule.length).isCloseTo(1 / 70.0, within(0.0005));
        }
    }
}
