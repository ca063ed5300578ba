package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin (nginx's), lock-free: the schedule nginx's algorithm produces over
 * one full cycle is computed once per candidate set and cached; a pick is one atomic increment and
 * an array read. Weights 5,1,1 give a a b a c a a, not a a a a a b c.
 */
final class WeightedRoundRobinBalancer implements LoadBalancer {
    static final String WEIGHT_LABEL = "weight";
    static final int MAX_WEIGHT = 1000;

    /** Longer cycles are scaled down (the shares stay within a rounding of 1 per endpoint). */
    static final int MAX_SCHEDULE = 1 << 16;

    private final AtomicLong cursor = new AtomicLong();
    private final CandidateCache<int[]> schedules =
            new CandidateCache<>(WeightedRoundRobinBalancer::schedule);

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        int[] schedule = schedules.get(candidates);
        return candidates.get(
                schedule[(int) Math.floorMod(cursor.getAndIncrement(), (long) schedule.length)]);
    }

    /** The {@code weight} label: an integer 1..1000; absent or anything else counts as 1. */
    static int weight(MeshEndpoint e) {
        String label = e.labels().get(WEIGHT_LABEL);
        if (label == null) {
            return 1;
        }
        try {
            int w = Integer.parseInt(label.trim());
            return w >= 1 && w <= MAX_WEIGHT ? w : 1;
        } catch (NumberFormatException notANumber) {
            return 1;
        }
    }

    /** Candidate indexes in nginx's smooth order over one cycle of sum(weights / gcd) picks. */
    static int[] schedule(List<MeshEndpoint> candidates) {
        int n = candidates.size();
        int[] weights = new int[n];
        int gcd = 0;
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = weight(candidates.get(i));
            gcd = gcd(gcd, weights[i]);
            total += weights[i];
        }
        total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total > MAX_SCHEDULE) {
            long scaled = 0;
            for (int i = 0; i < n; i++) {
                weights[i] =
                        (int) Math.max(1, Math.round((double) weights[i] * MAX_SCHEDULE / total));
                scaled += weights[i];
            }
            total = scaled;
        }
        int[] schedule = new int[(int) total];
        long[] current = new long[n];
        for (int step = 0; step < schedule.length; step++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            schedule[step] = best;
        }
        return schedule;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public String toString() {
        return "weighted-round-robin";
    }
}
