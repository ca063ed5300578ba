package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Maglev hashing (Eisenbud et al., NSDI 2016; Envoy's maglev): a lookup table of prime size that
 * the endpoints fill in turns, each along its own permutation (offset and skip from MurmurHash3 of
 * its id), so shares are even to within one entry and a pick is one array read. A change of
 * endpoints moves mostly the keys of the endpoint that came or went. Built once per candidate set
 * and cached.
 */
final class MaglevBalancer implements LoadBalancer {
    static final int TABLE_SIZE = 65537;

    private final Supplier<? extends RandomGenerator> random;
    private final CandidateCache<int[]> tables = new CandidateCache<>(MaglevBalancer::table);

    MaglevBalancer(Supplier<? extends RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        if (ctx.hashKey() == null || candidates.size() == 1) {
            return RandomBalancer.pickRandom(candidates, random);
        }
        int[] table = tables.get(candidates);
        return candidates.get(
                table[(int) Long.remainderUnsigned(Murmur3.hash64(ctx.hashKey()), TABLE_SIZE)]);
    }

    /**
     * Entry → candidate index. Endpoints take turns in id order, so the table ignores list order.
     */
    static int[] table(List<MeshEndpoint> candidates) {
        int n = candidates.size();
        List<Integer> byId = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byId.add(i);
        }
        byId.sort(Comparator.comparing(i -> candidates.get(i).id()));
        long[] offset = new long[n];
        long[] skip = new long[n];
        for (int t = 0; t < n; t++) {
            long[] h = Murmur3.hash128(candidates.get(byId.get(t)).id());
            offset[t] = Long.remainderUnsigned(h[0], TABLE_SIZE);
            skip[t] = Long.remainderUnsigned(h[1], TABLE_SIZE - 1) + 1;
        }
        int[] table = new int[TABLE_SIZE];
        Arrays.fill(table, -1);
        long[] next = new long[n];
        int filled = 0;
        while (true) {
            for (int t = 0; t < n; t++) {
                int slot = (int) ((offset[t] + next[t] * skip[t]) % TABLE_SIZE);
                while (table[slot] >= 0) {
                    next[t]++;
                    slot = (int) ((offset[t] + next[t] * skip[t]) % TABLE_SIZE);
                }
                table[slot] = byId.get(t);
                next[t]++;
                if (++filled == TABLE_SIZE) {
                    return table;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "maglev";
    }
}
