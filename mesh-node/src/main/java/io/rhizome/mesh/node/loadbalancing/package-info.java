/**
 * Which endpoint of a service takes a request (architecture.md §9, docs/resources.md
 * DestinationPolicy).
 *
 * <p>{@link io.rhizome.mesh.node.loadbalancing.EndpointSelector} decides who may take traffic
 * (health, membership, ejection, retries' tried set, the panic fallback); a {@link
 * io.rhizome.mesh.node.loadbalancing.LoadBalancer} chooses among those candidates; {@link
 * io.rhizome.mesh.node.loadbalancing.EndpointStats} holds in-flight counts and latency estimates
 * that {@code least-request} scores by. All lock-free, no allocation per pick beyond a hash key's
 * bytes.
 *
 * <p>Wiring into the proxy (done by {@code resilience.DestinationPolicies} and the Netty {@code
 * ProxyHandler}; {@code stats.retain} is not called yet): when the policy snapshot changes, build
 * one balancer per service with {@code LoadBalancer.of(spec, stats)} and keep it while the spec is
 * unchanged (its cursor and tables live in it); per request, {@code
 * PickContext.of(spec.getHashOn(), request, remoteIp)} and {@code selector.pick(snapshot, service,
 * tried, subset, balancer, ctx)}; around each upstream exchange (every try), {@code
 * stats.start(endpoint.id())} completed with {@code success()}, {@code failure()} or {@code
 * ignore()} exactly once; on a snapshot change {@code stats.retain(ids)}. One {@code EndpointStats}
 * per node is enough: ids are per service.
 */
package io.rhizome.mesh.node.loadbalancing;
