package io.rhizome.mesh.node.routing;

import java.util.Objects;

/** The outcome of {@link WeightedBackends#pick()}; every instance is built with the rule. */
public sealed interface BackendPick {

    /** Send the request to this backend. */
    record Picked(RouteBackend backend) implements BackendPick {
        public Picked {
            Objects.requireNonNull(backend, "backend");
        }
    }

    /** Every backend has weight 0: 500 {@code x-rhizome-error: no-backend}. */
    record NoBackend() implements BackendPick {
        /** The one instance pickers return. */
        public static final NoBackend INSTANCE = new NoBackend();
    }
}
