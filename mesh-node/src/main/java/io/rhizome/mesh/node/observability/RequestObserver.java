package io.rhizome.mesh.node.observability;

/**
 * Sees every finished request. Called on the data plane's event loop: implementations must not
 * block, must not allocate much, and must be safe to call from several threads at once.
 */
@FunctionalInterface
public interface RequestObserver {
    void onRequest(RequestRecord record);
}
