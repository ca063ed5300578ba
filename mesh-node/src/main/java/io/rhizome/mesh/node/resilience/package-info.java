/**
 * What a service's DestinationPolicy asks of this node's data plane (docs/resources.md
 * DestinationPolicy): its load balancer, its connect timeout, its circuit breaker ({@code
 * max-requests} here, {@code max-connections} and {@code max-pending} in {@code circuitbreaker}),
 * its outlier detection and its retry budget, resolved once per policy snapshot by {@link
 * io.rhizome.mesh.node.resilience.DestinationPolicies} and read per request without locks.
 */
package io.rhizome.mesh.node.resilience;
