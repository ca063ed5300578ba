/**
 * Authorization resources (docs/resources.md Authorization), enforced where requests reach a local
 * instance (the inbound port and the outbound side's local shortcut): an {@link
 * io.rhizome.mesh.node.security.authz.AuthorizationPolicy} per resource, compiled once per policy
 * snapshot by {@link io.rhizome.mesh.node.security.authz.Authorizations}, which returns an {@link
 * io.rhizome.mesh.node.security.authz.AuthorizationDecision} per request and counts it in {@link
 * io.rhizome.mesh.node.security.authz.AuthorizationStats}.
 */
package io.rhizome.mesh.node.security.authz;
