package io.rhizome.mesh.node.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Traffic splits by weight; weight 0 disables a backend; all zero is a distinct outcome. */
class WeightedBackendsTest {

    private static RouteBackend backend(String version, int weight) {
        return new RouteBackend("orders", SubsetFilter.of(Map.of("version", version)), weight);
    }

    private static Map<String, Integer> pick(WeightedBackends backends, int times) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < times; i++) {
            BackendPick p = backends.pick();
            String version =
                    p instanceof BackendPick.Picked picked
                            ? picked.backend().subset().labels().get("version")
                            : "none";
            counts.merge(version, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void ninetyTenIsHonouredWithinThreePercentOver2000Picks() {
        SplittableRandom seeded = new SplittableRandom(42);
        WeightedBackends backends =
                WeightedBackends.of(List.of(backend("v1", 90), backend("v2", 10)), () -> seeded);

        Map<String, Integer> counts = pick(backends, 2000);

        assertThat(counts.get("v1") / 2000.0).isCloseTo(0.90, within(0.03));
        assertThat(counts.get("v2") / 2000.0).isCloseTo(0.10, within(0.03));
    }

    @Test
    void ninetyTenHoldsForEverySeed() {
        for (long seed = 0; seed < 50; seed++) {
            SplittableRandom seeded = new SplittableRandom(seed);
            WeightedBackends backends =
                    WeightedBackends.of(
                            List.of(backend("v1", 90), backend("v2", 10)), () -> seeded);

            assertThat(pick(backends, 2000).get("v2") / 2000.0)
                    .as("seed %d", seed)
                    .isCloseTo(0.10, within(0.03));
        }
    }

    @Test
    void theDefaultThreadLocalRandomSplitsByWeight() {
        // 20000 picks keep ±3% at over 14 standard deviations: this cannot flake.
        WeightedBackends backends =
                WeightedBackends.of(List.of(backend("a", 50), backend("b", 30), backend("c", 20)));

        Map<String, Integer> counts = pick(backends, 20_000);

        assertThat(counts.get("a") / 20_000.0).isCloseTo(0.50, within(0.03));
        assertThat(counts.get("b") / 20_000.0).isCloseTo(0.30, within(0.03));
        assertThat(counts.get("c") / 20_000.0).isCloseTo(0.20, within(0.03));
    }

    @Test
    void weightZeroIsNeverPicked() {
        WeightedBackends backends =
                WeightedBackends.of(
                        List.of(
                                backend("off", 0),
                                backend("a", 5),
                                backend("off2", 0),
                                backend("b", 5)));

        Map<String, Integer> counts = pick(backends, 5000);

        assertThat(counts).containsOnlyKeys("a", "b");
        assertThat(backends.backends()).hasSize(4);
    }

    @Test
    void allWeightsZeroIsNoBackend() {
        WeightedBackends zero = WeightedBackends.of(List.of(backend("a", 0), backend("b", 0)));

        assertThat(zero.pick()).isSameAs(BackendPick.NoBackend.INSTANCE);
        assertThat(WeightedBackends.of(List.of()).pick()).isInstanceOf(BackendPick.NoBackend.class);
    }

    @Test
    void picksAreBuiltOnceAndReused() {
        WeightedBackends single = WeightedBackends.of(List.of(backend("only", 1)));
        WeightedBackends split = WeightedBackends.of(List.of(backend("a", 1), backend("b", 1)));

        assertThat(single.pick()).isSameAs(single.pick());
        assertThat(pick(single, 100)).containsExactly(Map.entry("only", 100));
        Set<BackendPick> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 1000; i++) {
            distinct.add(split.pick());
        }
        assertThat(distinct).as("one Picked instance per backend").hasSize(2);
    }
}
