package io.rhizome.mesh.node.security.tls;

/** TLS material that cannot be used; {@link #key()} names the configuration key at fault. */
public final class TlsMaterialException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    TlsMaterialException(String key, String problem) {
        super(problem, null, false, false);
        this.key = key;
    }

    /** The configuration key, e.g. {@code rhizome.tls.cert}. */
    public String key() {
        return key;
    }

    /** {@code key: problem}, one line. */
    public String line() {
        return key + ": " + getMessage();
    }
}
