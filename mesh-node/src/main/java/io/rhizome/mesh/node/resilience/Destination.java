package io.rhizome.mesh.node.resilience;

import io.rhizome.mesh.node.health.outlier.OutlierPolicy;
import io.rhizome.mesh.node.loadbalancing.LoadBalancer;
import io.rhizome.mesh.node.resilience.circuitbreaker.ConnectionLimit;
import io.rhizome.mesh.node.resilience.retry.RetryBudget;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;

/**
 * How requests to one service are sent from this node.
 *
 * @param spec the service's DestinationPolicy, or null when it has none
 * @param balancer the policy's balancer, or null: the selector's per-service round robin
 * @param connectTimeoutMillis per connection attempt; 0: the node's {@code
 *     rhizome.proxy.connect-timeout}
 * @param limit the circuit breaker's {@code max-requests}
 * @param outlier the outlier detection failed tries to the service's endpoints feed
 * @param budget the service's retry budget (its counters outlive policy snapshots)
 * @param connections the circuit breaker's {@code max-connections} and {@code max-pending}
 */
public record Destination(
        DestinationPolicySpec spec,
        LoadBalancer balancer,
        int connectTimeoutMillis,
        RequestLimit limit,
        OutlierPolicy outlier,
        RetryBudget budget,
        ConnectionLimit connections) {

    /**
     * Without a DestinationPolicy: round robin, the node's connect timeout, no limit, the default
     * outlier detection, and no retry budget; {@link DestinationPolicies#forService} gives each
     * such service its own copy with the default budget instead.
     */
    public static final Destination DEFAULT =
            new Destination(
                    null,
                    null,
                    0,
                    RequestLimit.UNLIMITED,
                    OutlierPolicy.DEFAULT,
                    RetryBudget.UNLIMITED,
                    ConnectionLimit.UNLIMITED);

    /** This destination with {@code budget}. */
    Destination withBudget(RetryBudget budget) {
        return new Destination(
                spec, balancer, connectTimeoutMillis, limit, outlier, budget, connections);
    }
}
