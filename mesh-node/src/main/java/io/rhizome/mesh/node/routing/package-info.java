/**
 * The request-path route matcher (architecture.md §9, docs/resources.md): {@link
 * io.rhizome.mesh.node.routing.RouteTable} turns the Route resources into an immutable table once
 * per policy change; the proxy asks it for a {@link io.rhizome.mesh.node.routing.RouteDecision} on
 * every request, on the event loop, without locks and without allocating beyond regex matchers.
 */
package io.rhizome.mesh.node.routing;
