package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.routing.SubsetFilter;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the endpoint of a service for one request among the endpoints that are SERVING, on
 * reachable members and not ejected. When that leaves none, it falls back to every endpoint that is
 * not explicitly NOT_SERVING (Envoy's panic threshold, architecture.md §4) and lets connection
 * attempts decide, rather than failing every request. Among healthy candidates, those of the node's
 * own zone come first ({@link Locality}). Which of the candidates is a {@link LoadBalancer}'s
 * choice: the service's DestinationPolicy one when the caller passes it, round robin otherwise.
 */
public final class EndpointSelector {

    /** The outcome of a pick: an endpoint, or why there is none. */
    public sealed interface Pick {}

    public record Chosen(MeshEndpoint endpoint, boolean panic) implements Pick {}

    public record UnknownService(String service) implements Pick {}

    public record NoHealthyEndpoint(String service, int endpoints) implements Pick {}

    private final EjectionTracker ejections;
    private final Locality locality;
    private final ConcurrentHashMap<String, LoadBalancer> defaultBalancers =
            new ConcurrentHashMap<>();

    /** A selector without locality: every candidate of a service is balanced as a whole. */
    public EndpointSelector(EjectionTracker ejections) {
        this(ejections, Locality.NONE);
    }

    /** A selector that prefers the endpoints of {@code locality}'s zone (see {@link Locality}). */
    public EndpointSelector(EjectionTracker ejections, Locality locality) {
        this.ejections = ejections;
        this.locality = java.util.Objects.requireNonNull(locality, "locality");
    }

    public EjectionTracker ejections() {
        return ejections;
    }

    /** Why {@code e} gets no traffic from this node now, or "" when it does. */
    public String exclusionReason(MeshEndpoint e) {
        String reason = e.exclusionReason();
        if (reason.isEmpty() && ejections.isEjected(e.id())) {
            return "ejected";
        }
        return reason;
    }

    /**
     * @param tried endpoint ids already tried for this request (a retry goes elsewhere when it can)
     */
    public Pick pick(MeshSnapshot snapshot, String service, Set<String> tried) {
        return pick(snapshot, service, tried, SubsetFilter.all());
    }

    /**
     * True when some endpoint of {@code service} in {@code subset} takes traffic now (no panic
     * needed).
     */
    public boolean hasRoutable(MeshSnapshot snapshot, String service, SubsetFilter subset) {
        for (MeshEndpoint e : snapshot.endpoints(service)) {
            if (subset.matches(e.labels()) && exclusionReason(e).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * As {@link #pick(MeshSnapshot, String, Set)}, among the endpoints whose labels match {@code
     * subset}.
     */
    public Pick pick(
            MeshSnapshot snapshot, String service, Set<String> tried, SubsetFilter subset) {
        return pick(
                snapshot,
                service,
                tried,
                subset,
                defaultBalancers.computeIfAbsent(service, k -> LoadBalancer.roundRobin()),
                PickContext.NONE);
    }

    /**
     * As {@link #pick(MeshSnapshot, String, Set, SubsetFilter)}, letting {@code balancer} choose
     * among the candidates (the healthy ones, or the panic set). The caller keeps one balancer per
     * service across requests (see the package documentation).
     */
    public Pick pick(
            MeshSnapshot snapshot,
            String service,
            Set<String> tried,
            SubsetFilter subset,
            LoadBalancer balancer,
            PickContext ctx) {
        List<MeshEndpoint> all = snapshot.endpoints(service);
        if (!subset.labels().isEmpty() && !all.isEmpty()) {
            List<MeshEndpoint> inSubset = new ArrayList<>(all.size());
            for (MeshEndpoint e : all) {
                if (subset.matches(e.labels())) {
                    inSubset.add(e);
                }
            }
            if (inSubset.isEmpty()) {
                return new NoHealthyEndpoint(service, 0);
            }
            all = inSubset;
        }
        if (all.isEmpty()) {
            return new UnknownService(service);
        }
        List<MeshEndpoint> candidates = new ArrayList<>(all.size());
        for (MeshEndpoint e : all) {
            if (!tried.contains(e.id()) && exclusionReason(e).isEmpty()) {
                candidates.add(e);
            }
        }
        boolean panic = false;
        if (candidates.isEmpty()) {
            panic = true;
            for (MeshEndpoint e : all) {
                if (!tried.contains(e.id()) && e.status() != EndpointStatus.NOT_SERVING) {
                    candidates.add(e);
                }
            }
        }
        if (candidates.isEmpty()) {
            return new NoHealthyEndpoint(service, all.size());
        }
        if (!panic) {
            candidates = locality.prefer(all, candidates);
        }
        return new Chosen(balancer.pick(candidates, ctx), panic);
    }
}
