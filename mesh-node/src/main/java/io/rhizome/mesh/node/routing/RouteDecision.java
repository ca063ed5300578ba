package io.rhizome.mesh.node.routing;

import java.util.Objects;

/**
 * What the route table decided for one request. Every instance is built with the table, so deciding
 * allocates nothing.
 */
public sealed interface RouteDecision {

    /** A rule matched: route the request by it. */
    record Matched(RoutedRule rule) implements RouteDecision {
        public Matched {
            Objects.requireNonNull(rule, "rule");
        }
    }

    /**
     * The service has Routes but none matches the request: 404 {@code x-rhizome-error: no-route}.
     */
    record NoRoute(String service) implements RouteDecision {
        public NoRoute {
            Objects.requireNonNull(service, "service");
        }
    }

    /** The service has no Route at all: round robin over all its endpoints, as without policy. */
    record NoRoutes() implements RouteDecision {
        /** The one instance the table returns. */
        public static final NoRoutes INSTANCE = new NoRoutes();
    }
}
