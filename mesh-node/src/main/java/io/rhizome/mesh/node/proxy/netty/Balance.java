package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.PickContext;
import io.rhizome.mesh.node.resilience.Destination;
import io.rhizome.mesh.node.routing.RouteBackend;
import io.rhizome.mesh.node.routing.RoutedRule;
import io.rhizome.mesh.node.routing.SubsetFilter;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where each try of one request goes: the destination's balancer over the endpoints of the route's
 * backend (a service and a label subset) that the request has not tried yet; once that backend has
 * none left, another backend of the same rule that has. Only its event loop uses it.
 */
final class Balance {
    private final ProxyContext context;

    /**
     * The rule that routed the request, whose other backends a request may move to; null without a
     * Route.
     */
    private final RoutedRule rule;

    private String service;
    private SubsetFilter subset;
    private final Set<String> tried = new HashSet<>(4);

    Balance(ProxyContext context, String service, SubsetFilter subset, RoutedRule rule) {
        this.context = context;
        this.service = service;
        this.subset = subset;
        this.rule = rule;
    }

    /** The backend service of the next try. */
    String service() {
        return service;
    }

    SubsetFilter subset() {
        return subset;
    }

    /**
     * The next endpoint of the backend by {@code d}'s balancer, never one this request tried;
     * {@code pickContext} is asked only when the balancer hashes.
     */
    EndpointSelector.Pick next(Destination d, Supplier<PickContext> pickContext) {
        MeshSnapshot mesh = context.view().current();
        EndpointSelector.Pick pick =
                d.balancer() == null
                        ? context.selector().pick(mesh, service, tried, subset)
                        : context.selector()
                                .pick(
                                        mesh,
                                        service,
                                        tried,
                                        subset,
                                        d.balancer(),
                                        pickContext.get());
        if (pick instanceof EndpointSelector.Chosen chosen) {
            tried.add(chosen.endpoint().id());
        }
        return pick;
    }

    /**
     * Another try of {@code endpointId} is fine after all (a stale pooled connection said nothing
     * about it).
     */
    void untried(String endpointId) {
        tried.remove(endpointId);
    }

    /**
     * The backend has nothing left to try: move to another backend of the rule that has; false when
     * none has.
     */
    boolean switchBackend() {
        if (rule == null) {
            return false;
        }
        MeshSnapshot mesh = context.view().current();
        for (RouteBackend other : rule.backends().backends()) {
            boolean same =
                    other.service().equals(service)
                            && other.subset().labels().equals(subset.labels());
            // Only a backend with an untried endpoint: two fully tried backends would switch
            // forever.
            if (!same && other.weight() > 0 && hasUntried(mesh, other.service(), other.subset())) {
                service = other.service();
                subset = other.subset();
                return true;
            }
        }
        return false;
    }

    /**
     * A retry has somewhere to go: an untried endpoint in this backend or in another of the rule's.
     */
    boolean hasNext() {
        MeshSnapshot mesh = context.view().current();
        if (hasUntried(mesh, service, subset)) {
            return true;
        }
        if (rule != null) {
            for (RouteBackend other : rule.backends().backends()) {
                if (other.weight() > 0 && hasUntried(mesh, other.service(), other.subset())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Some endpoint of {@code svc} in {@code sub} that takes traffic has not been tried by this
     * request.
     */
    private boolean hasUntried(MeshSnapshot mesh, String svc, SubsetFilter sub) {
        for (MeshEndpoint e : mesh.endpoints(svc)) {
            if (sub.matches(e.labels())
                    && !tried.contains(e.id())
                    && context.selector().exclusionReason(e).isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
