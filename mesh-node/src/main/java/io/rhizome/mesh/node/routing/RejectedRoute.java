package io.rhizome.mesh.node.routing;

import java.util.Objects;

/**
 * A Route resource left out of the table whole, because it cannot be compiled (the admin API
 * refuses such resources, so this means a writer that validated differently).
 *
 * @param reason the field path and what was expected, e.g. {@code rules[0].matches[1].path-regex:
 *     "(" (expected: a Java regular expression)}
 */
public record RejectedRoute(String name, String reason) {
    public RejectedRoute {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
    }
}
