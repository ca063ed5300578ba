package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.Resource;
import java.util.List;
import java.util.Set;

/**
 * The Routes of every service, compiled into one immutable table per policy change. Matching is
 * lock-free and allocates nothing but regex matchers: each service keeps its individual matches
 * sorted by precedence (docs/resources.md), so {@link #match} returns the first that holds.
 */
public interface RouteTable {

    /**
     * Compiles the Route resources among {@code resources}; tombstones ({@code deleted}) and other
     * kinds are skipped. A Route that cannot be compiled (a regex that does not compile, a path
     * without a leading {@code /}, a weight outside 0..1000, ...) is left out whole and listed in
     * {@link #rejected()}; it never fails the table.
     */
    static RouteTable build(List<Resource> resources) {
        return DefaultRouteTable.build(resources);
    }

    /** The table without Routes: every service round robins ({@link RouteDecision.NoRoutes}). */
    static RouteTable empty() {
        return DefaultRouteTable.EMPTY;
    }

    /** True when at least one Route (compiled, not deleted) names {@code service}. */
    boolean hasRoutes(String service);

    /**
     * The decision for one request to {@code service}: the winning rule, {@link
     * RouteDecision.NoRoute} when the service has Routes but none matches, or {@link
     * RouteDecision.NoRoutes} when it has none.
     */
    RouteDecision match(String service, RequestView request);

    /** The services with at least one Route. */
    Set<String> services();

    /** Route resources left out because they could not be compiled; empty normally. */
    List<RejectedRoute> rejected();
}
