package io.rhizome.mesh.node.observability.tap;

import io.rhizome.mesh.node.observability.RequestRecord;

/**
 * Which requests a tap wants. Empty strings match everything.
 *
 * @param service the mesh service, {@code ""} for every service (not egress)
 * @param pathPrefix a prefix of the path (plain string prefix)
 * @param method the method, case-insensitive
 * @param direction {@code outbound} (each request once, as its caller's node saw it), {@code
 *     inbound} or {@code all}
 * @param includeHeaders the events carry the request's header values (secrets redacted)
 */
public record TapFilter(
        String service,
        String pathPrefix,
        String method,
        String direction,
        boolean includeHeaders) {

    /** A filter whose events carry no header values. */
    public TapFilter(String service, String pathPrefix, String method, String direction) {
        this(service, pathPrefix, method, direction, false);
    }

    public boolean matches(RequestRecord r) {
        if (r.service().isEmpty() || (!service.isEmpty() && !service.equals(r.service()))) {
            return false;
        }
        if (!direction.equals("all") && !direction.equals(r.direction().label())) {
            return false;
        }
        if (!method.isEmpty() && !method.equalsIgnoreCase(r.method())) {
            return false;
        }
        return pathPrefix.isEmpty() || r.path().startsWith(pathPrefix);
    }
}
