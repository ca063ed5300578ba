package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Per service: the candidates in precedence order and the service's one {@code NoRoute}. */
final class DefaultRouteTable implements RouteTable {
    static final DefaultRouteTable EMPTY = new DefaultRouteTable(Map.of(), List.of());

    private static final String KIND = "Route";

    private record ServiceRoutes(MatchCandidate[] candidates, RouteDecision.NoRoute noRoute) {}

    private final Map<String, ServiceRoutes> byService;
    private final List<RejectedRoute> rejected;

    private DefaultRouteTable(Map<String, ServiceRoutes> byService, List<RejectedRoute> rejected) {
        this.byService = Map.copyOf(byService);
        this.rejected = List.copyOf(rejected);
    }

    static DefaultRouteTable build(List<Resource> resources) {
        Map<String, List<MatchCandidate>> candidates = new HashMap<>();
        List<RejectedRoute> rejected = new ArrayList<>();
        for (Resource r : resources) {
            if (r.getDeleted() || !KIND.equals(r.getKind())) {
                continue;
            }
            if (!r.hasRoute()) {
                rejected.add(
                        new RejectedRoute(
                                r.getName(),
                                "spec: " + r.getSpecCase() + " (expected: a Route spec)"));
                continue;
            }
            try {
                RouteCompiler.CompiledRoute compiled = RouteCompiler.compile(r);
                candidates
                        .computeIfAbsent(compiled.service(), s -> new ArrayList<>())
                        .addAll(compiled.candidates());
            } catch (InvalidRouteException e) {
                rejected.add(new RejectedRoute(r.getName(), e.getMessage()));
            }
        }
        if (candidates.isEmpty() && rejected.isEmpty()) {
            return EMPTY;
        }
        Map<String, ServiceRoutes> byService = new HashMap<>();
        candidates.forEach(
                (service, list) -> {
                    list.sort(MatchCandidate.PRECEDENCE);
                    byService.put(
                            service,
                            new ServiceRoutes(
                                    list.toArray(MatchCandidate[]::new),
                                    new RouteDecision.NoRoute(service)));
                });
        return new DefaultRouteTable(byService, rejected);
    }

    @Override
    public boolean hasRoutes(String service) {
        return byService.containsKey(service);
    }

    @Override
    public RouteDecision match(String service, RequestView request) {
        ServiceRoutes routes = byService.get(service);
        if (routes == null) {
            return RouteDecision.NoRoutes.INSTANCE;
        }
        String method = request.method();
        String path = request.path();
        for (MatchCandidate c : routes.candidates) {
            if (c.matches(request, method, path)) {
                return c.decision;
            }
        }
        return routes.noRoute;
    }

    @Override
    public Set<String> services() {
        return byService.keySet();
    }

    @Override
    public List<RejectedRoute> rejected() {
        return rejected;
    }

    /** The candidates of {@code service} in precedence order, for tests. */
    List<MatchCandidate> candidates(String service) {
        ServiceRoutes routes = byService.get(service);
        return routes == null ? List.of() : List.of(routes.candidates);
    }

    @Override
    public String toString() {
        return "RouteTable"
                + byService.keySet()
                + (rejected.isEmpty() ? "" : " rejected " + rejected);
    }
}
