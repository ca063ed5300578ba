package io.rhizome.mesh.node.resilience;

import io.rhizome.mesh.node.loadbalancing.LoadBalancer;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;

/**
 * How requests to one service are sent from this node.
 *
 * @param spec                 the service's DestinationPolicy, or null when it has none
 * @param balancer             the policy's balancer, or null: the selector's per-service round robin
 * @param connectTimeoutMillis per connection attempt; 0: the node's {@code rhizome.proxy.connect-timeout}
 * @param limit                the circuit breaker's {@code max-requests}
 */
public record Destination(DestinationPolicySpec spec, LoadBalancer balancer, int connectTimeoutMillis, RequestLimit limit) {

    /** A service without a DestinationPolicy: round robin, the node's connect timeout, no limit. */
    public static final Destination DEFAULT = new Destination(null, null, 0, RequestLimit.UNLIMITED);
}
