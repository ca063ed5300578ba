package io.rhizome.mesh.pki;

/**
 * A certificate, key or identity that cannot be used. The message is one line that names the file
 * (or the value) and what was expected, ready to print.
 */
public final class PkiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PkiException(String message) {
        super(message, null, false, false);
    }

    public PkiException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
