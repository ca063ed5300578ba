package io.rhizome.mesh.node.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Cumulative weights of the backends with weight > 0 and one {@link BackendPick.Picked} each, so a
 * pick is one random int and a scan of at most 16 ints.
 */
final class RandomWeightedBackends implements WeightedBackends {
    private final List<RouteBackend> backends;
    private final BackendPick.Picked[] picks;
    private final int[] cumulative;
    private final int total;
    private final Supplier<? extends RandomGenerator> random;

    RandomWeightedBackends(
            List<RouteBackend> backends, Supplier<? extends RandomGenerator> random) {
        this.backends = List.copyOf(backends);
        this.random = Objects.requireNonNull(random, "random");
        List<BackendPick.Picked> live = new ArrayList<>();
        long sum = 0;
        for (RouteBackend b : this.backends) {
            if (b.weight() > 0) {
                sum += b.weight();
                live.add(new BackendPick.Picked(b));
            }
        }
        if (sum > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "backends: total weight "
                            + sum
                            + " (expected: at most "
                            + Integer.MAX_VALUE
                            + ")");
        }
        this.picks = live.toArray(BackendPick.Picked[]::new);
        this.cumulative = new int[picks.length];
        int running = 0;
        for (int i = 0; i < picks.length; i++) {
            running += picks[i].backend().weight();
            cumulative[i] = running;
        }
        this.total = running;
    }

    @Override
    public BackendPick pick() {
        switch (picks.length) {
            case 0:
                return BackendPick.NoBackend.INSTANCE;
            case 1:
                return picks[0];
            default:
                int r = random.get().nextInt(total);
                for (int i = 0; i < cumulative.length; i++) {
                    if (r < cumulative[i]) {
                        return picks[i];
                    }
                }
                return picks[picks.length - 1]; // unreachable: r < total == cumulative[last]
        }
    }

    @Override
    public List<RouteBackend> backends() {
        return backends;
    }

    @Override
    public String toString() {
        return "WeightedBackends" + backends;
    }
}
