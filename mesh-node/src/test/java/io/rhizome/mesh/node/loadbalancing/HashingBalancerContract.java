package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.count;
import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** What ring-hash and maglev both promise; each test class says how exactly the last one holds. */
abstract class HashingBalancerContract {
    static final int KEYS = 30_000;

    abstract LoadBalancer create(Supplier<? extends RandomGenerator> random);

    /** The largest share of keys on endpoints that stay which may move when another one goes. */
    abstract double maxBystandersMovedOnRemoval();

    private final SplittableRandom random = new SplittableRandom(7);
    private final LoadBalancer balancer = create(() -> random);

    private String[] owners(LoadBalancer lb, List<MeshEndpoint> candidates) {
        String[] owners = new String[KEYS];
        for (int k = 0; k < KEYS; k++) {
            owners[k] = lb.pick(candidates, PickContext.ofKey("user-" + k)).id();
        }
        return owners;
    }

    @Test
    void theSameKeyGoesToTheSameEndpointWhateverTheOrderOrInstance() {
        List<MeshEndpoint> candidates = endpoints(3);
        List<MeshEndpoint> reversed = new ArrayList<>(candidates);
        Collections.reverse(reversed);
        SplittableRandom otherRandom = new SplittableRandom(8);
        LoadBalancer other = create(() -> otherRandom);

        String[] first = owners(balancer, candidates);

        assertThat(owners(balancer, candidates)).isEqualTo(first);
        assertThat(owners(other, candidates)).isEqualTo(first);
        assertThat(owners(other, reversed)).isEqualTo(first);
    }

    @Test
    void keysSpreadEvenlyOverTheEndpoints() {
        String[] owners = owners(balancer, endpoints(3));

        Map<String, Integer> counts = new HashMap<>();
        for (String owner : owners) {
            counts.merge(owner, 1, Integer::sum);
        }

        // 10000 each would be even; +-10%.
        assertThat(counts).hasSize(3);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_000, 11_000));
    }

    @Test
    void aFourthEndpointTakesAboutAQuarterOfTheKeys() {
        String[] before = owners(balancer, endpoints(3));
        String[] after = owners(balancer, endpoints(4));

        int moved = 0;
        int movedElsewhere = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before[k].equals(after[k])) {
                moved++;
                if (!after[k].equals("node-d/orders")) {
                    movedElsewhere++;
                }
            }
        }

        assertThat(moved / (double) KEYS).isBetween(0.15, 0.35);
        assertThat(movedElsewhere / (double) KEYS)
                .isLessThanOrEqualTo(maxBystandersMovedOnRemoval());
    }

    @Test
    void removingAnEndpointMovesOnlyItsKeys() {
        List<MeshEndpoint> four = endpoints(4);
        String[] before = owners(balancer, four);
        String[] after = owners(balancer, List.of(four.get(0), four.get(1), four.get(3)));

        int bystanders = 0;
        int bystandersMoved = 0;
        for (int k = 0; k < KEYS; k++) {
            assertThat(after[k]).isNotEqualTo("node-c/orders");
            if (!before[k].equals("node-c/orders")) {
                bystanders++;
                if (!before[k].equals(after[k])) {
                    bystandersMoved++;
                }
            }
        }

        assertThat(bystandersMoved / (double) bystanders)
                .isLessThanOrEqualTo(maxBystandersMovedOnRemoval());
    }

    @Test
    void withoutAKeyPicksAreRandomAndSpread() {
        List<MeshEndpoint> candidates = endpoints(3);

        Map<String, Integer> counts =
                count(KEYS, () -> balancer.pick(candidates, PickContext.NONE));

        assertThat(counts).hasSize(3);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_500, 10_500));
    }
}
