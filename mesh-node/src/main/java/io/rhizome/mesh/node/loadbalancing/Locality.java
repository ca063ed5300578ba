package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Locality-aware load balancing: a node prefers endpoints whose {@code zone} label is its own zone
 * ({@code rhizome.node.zone}) and spills over to other zones when too few of them are healthy, the
 * way Envoy's locality weighting with its overprovisioning factor of 1.4 does:
 *
 * <ul>
 *   <li>the local zone takes a share of {@code min(1, 1.4 × healthy / total)} of the requests,
 *       where {@code total} counts the zone's endpoints of the service (in the request's subset)
 *       and {@code healthy} those among the request's candidates; the rest go to the other zones'
 *       candidates. So while at least about 71% of the local zone is healthy, every request stays
 *       in the zone;
 *   <li>no local candidate, or no candidate elsewhere: everything goes to the candidates there are.
 * </ul>
 *
 * A node without a zone, or a service none of whose endpoints shares it, is balanced as a whole.
 * Stateless apart from the random source; one instance per node.
 */
public final class Locality {
    /**
     * Envoy's default overprovisioning factor: a zone 1/1.4 healthy still takes all of its share.
     */
    static final double OVERPROVISIONING = 1.4;

    public static final String ZONE_LABEL = "zone";

    /** No zone: every candidate, always. */
    public static final Locality NONE = new Locality("", RandomGenerator::getDefault);

    private final String zone;
    private final Supplier<? extends RandomGenerator> random;

    private Locality(String zone, Supplier<? extends RandomGenerator> random) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Locality for a node in {@code zone} ("" for none). */
    public static Locality of(String zone) {
        return of(zone, java.util.concurrent.ThreadLocalRandom::current);
    }

    /**
     * As {@link #of(String)}, drawing from the generator {@code random} supplies (tests pass a
     * seeded one).
     */
    public static Locality of(String zone, Supplier<? extends RandomGenerator> random) {
        return zone.isEmpty() ? NONE : new Locality(zone, random);
    }

    public String zone() {
        return zone;
    }

    /**
     * The candidates this request should choose among.
     *
     * @param all the service's endpoints in the request's subset (healthy or not)
     * @param candidates those of them that may take this request (healthy, not ejected, not tried)
     */
    public List<MeshEndpoint> prefer(List<MeshEndpoint> all, List<MeshEndpoint> candidates) {
        if (zone.isEmpty() || candidates.size() < 2) {
            return candidates;
        }
        int total = 0;
        for (MeshEndpoint e : all) {
            if (inZone(e)) {
                total++;
            }
        }
        if (total == 0) {
            return candidates;
        }
        List<MeshEndpoint> local = new ArrayList<>(candidates.size());
        List<MeshEndpoint> elsewhere = new ArrayList<>(candidates.size());
        for (MeshEndpoint e : candidates) {
            (inZone(e) ? local : elsewhere).add(e);
        }
        if (local.isEmpty() || elsewhere.isEmpty()) {
            return candidates;
        }
        double localShare = Math.min(1.0, OVERPROVISIONING * local.size() / total);
        return localShare >= 1.0 || random.get().nextDouble() < localShare ? local : elsewhere;
    }

    private boolean inZone(MeshEndpoint e) {
        return zone.equals(e.labels().get(ZONE_LABEL));
    }
}
