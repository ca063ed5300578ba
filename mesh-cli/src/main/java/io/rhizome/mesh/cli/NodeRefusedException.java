package io.rhizome.mesh.cli;

/** The node answered, but not with a success (HTTP 4xx/5xx, or an unreadable body): exit 1. */
final class NodeRefusedException extends MeshctlException {

    private static final long serialVersionUID = 1L;

    private final int status;

    NodeRefusedException(int status, String message) {
        super(message, Meshctl.EXIT_REFUSED);
        this.status = status;
    }

    /** The HTTP status the node answered with. */
    int status() {
        return status;
    }
}
