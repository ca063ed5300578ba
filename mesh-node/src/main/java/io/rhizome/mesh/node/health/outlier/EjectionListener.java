package io.rhizome.mesh.node.health.outlier;

/**
 * Told when this node's outlier detection ejects an endpoint; must not block (it runs on the
 * request path).
 */
@FunctionalInterface
public interface EjectionListener {
    EjectionListener NONE = (endpointId, durationMillis) -> {};

    void ejected(String endpointId, long durationMillis);
}
