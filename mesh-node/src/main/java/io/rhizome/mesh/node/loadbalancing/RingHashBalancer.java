package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing on a ring (Karger; Envoy's ring_hash): every endpoint owns points at
 * MurmurHash3 of {@code id#i}; a key goes to the owner of the first point at or after its hash. An
 * endpoint's points depend on its id alone, so adding an endpoint moves only the keys it takes and
 * removing one only the keys it had. The ring is built once per candidate set and cached.
 */
final class RingHashBalancer implements LoadBalancer {
    /**
     * Points per endpoint. A share's spread is about 1/sqrt(points): 100 points leave an endpoint
     * of three 10% off its share on average, 1024 about 3%. Fixed rather than derived from the
     * endpoint count (Envoy derives it from a ring size) so that a change of endpoints moves no
     * other keys.
     */
    static final int POINTS_PER_ENDPOINT = 1024;

    /** Beyond this many points (128 endpoints) the ring stops growing: fewer points each. */
    static final int MAX_RING_SIZE = 1 << 17;

    private final Supplier<? extends RandomGenerator> random;
    private final CandidateCache<Ring> rings = new CandidateCache<>(Ring::build);

    RingHashBalancer(Supplier<? extends RandomGenerator> random) {
        this.random = random;
    }

    @Override
    public MeshEndpoint pick(List<MeshEndpoint> candidates, PickContext ctx) {
        if (ctx.hashKey() == null || candidates.size() == 1) {
            return RandomBalancer.pickRandom(candidates, random);
        }
        return candidates.get(rings.get(candidates).owner(Murmur3.hash64(ctx.hashKey())));
    }

    /** Points sorted by hash, and the candidate index owning each. */
    record Ring(long[] points, int[] owners) {

        static Ring build(List<MeshEndpoint> candidates) {
            int n = candidates.size();
            int perEndpoint = Math.max(1, Math.min(POINTS_PER_ENDPOINT, MAX_RING_SIZE / n));
            long[][] entries = new long[n * perEndpoint][];
            for (int i = 0; i < n; i++) {
                String id = candidates.get(i).id();
                for (int p = 0; p < perEndpoint; p++) {
                    entries[i * perEndpoint + p] = new long[] {Murmur3.hash64(id + "#" + p), i};
                }
            }
            // Ties (never seen in practice) go to the lower id so the ring does not depend on
            // order.
            Arrays.sort(
                    entries,
                    (x, y) ->
                            x[0] != y[0]
                                    ? Long.compare(x[0], y[0])
                                    : candidates
                                            .get((int) x[1])
                                            .id()
                                            .compareTo(candidates.get((int) y[1]).id()));
            long[] points = new long[entries.length];
            int[] owners = new int[entries.length];
            for (int k = 0; k < entries.length; k++) {
                points[k] = entries[k][0];
                owners[k] = (int) entries[k][1];
            }
            return new Ring(points, owners);
        }

        int owner(long hash) {
            int k = Arrays.binarySearch(points, hash);
            if (k < 0) {
                k = -k - 1;
            }
            return owners[k == points.length ? 0 : k];
        }
    }

    @Override
    public String toString() {
        return "ring-hash";
    }
}
