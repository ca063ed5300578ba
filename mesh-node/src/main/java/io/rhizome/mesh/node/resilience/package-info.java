/**
 * What a service's DestinationPolicy asks of this node's data plane (docs/resources.md
 * DestinationPolicy): its load balancer, its connect timeout, its circuit breaker's
 * {@code max-requests}, its outlier detection and its retry budget, resolved once per policy snapshot by {@link
 * io.rhizome.mesh.node.resilience.DestinationPolicies} and read per request without locks.
 */
package io.rhizome.mesh.node.resilience;
