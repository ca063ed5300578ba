package io.rhizome.mesh.node.security.authz;

/** Whether a request may reach the local instance. */
public sealed interface AuthorizationDecision {

    AuthorizationDecision ALLOWED = new Allowed();

    record Allowed() implements AuthorizationDecision {}

    /**
     * Refused; nothing may be sent upstream.
     *
     * @param reason what refused it, for the 403's body and the log: {@code Authorization NAME
     *     rules[i]}, {@code the default of Authorization NAME}, or {@code
     *     rhizome.authorization.default-deny}
     */
    record Denied(String reason) implements AuthorizationDecision {}
}
