package io.rhizome.mesh.node.routing;

import java.util.Objects;

/**
 * One backend of a rule: the endpoints of {@code service} whose labels match {@code subset}.
 *
 * @param weight 0..1000; 0 disables the backend
 */
public record RouteBackend(String service, SubsetFilter subset, int weight) {

    public RouteBackend {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(subset, "subset");
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0..1000)");
        }
    }
}
