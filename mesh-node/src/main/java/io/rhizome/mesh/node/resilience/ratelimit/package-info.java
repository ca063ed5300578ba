/**
 * RateLimit resources (docs/resources.md RateLimit), enforced where requests reach a local
 * instance: a {@link io.rhizome.mesh.node.resilience.ratelimit.RateLimitPolicy} per resource, a
 * lock-free {@link io.rhizome.mesh.node.resilience.ratelimit.TokenBucket} per limit (or per
 * caller), and {@link io.rhizome.mesh.node.resilience.ratelimit.RateLimits}, which resolves a
 * service's limits once per policy snapshot and returns a {@link
 * io.rhizome.mesh.node.resilience.ratelimit.RateLimitDecision} per request.
 */
package io.rhizome.mesh.node.resilience.ratelimit;
