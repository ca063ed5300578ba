package io.rhizome.mesh.cli;

/** The node could not be reached at all (refused, timed out, unknown host): exit 3. */
final class NodeUnreachableException extends MeshctlException {

    private static final long serialVersionUID = 1L;

    private final NodeAddress node;
    private final String reason;

    NodeUnreachableException(NodeAddress node, String reason) {
        super("cannot reach node " + node + ": " + reason, Meshctl.EXIT_UNREACHABLE);
        this.node = node;
        this.reason = reason;
    }

    NodeAddress node() {
        return node;
    }

    /** Why, in a few words: {@code connection refused}, {@code unknown host foo}... */
    String reason() {
        return reason;
    }
}
