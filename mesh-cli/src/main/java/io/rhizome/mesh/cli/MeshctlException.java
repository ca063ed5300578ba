package io.rhizome.mesh.cli;

/**
 * A failure {@code meshctl} reports as one line on stderr and an exit code.
 *
 * <p>The message is the line without the {@code meshctl: } prefix.
 */
class MeshctlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    MeshctlException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    /** Bad input that picocli could not see, e.g. a malformed {@code $MESH_NODE}: exit 2. */
    static MeshctlException usage(String message) {
        return new MeshctlException(message, Meshctl.EXIT_USAGE);
    }
}
