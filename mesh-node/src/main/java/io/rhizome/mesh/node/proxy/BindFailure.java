package io.rhizome.mesh.node.proxy;

/** A listener could not bind; the message names the key, the address and why. */
public final class BindFailure extends RuntimeException {
    public BindFailure(String key, String address, Throwable cause) {
        super(key + ": " + address + " " + describe(cause), cause);
    }

    private static String describe(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (m.contains("Address already in use")) {
            return "is already in use (expected: a free port)";
        }
        if (m.contains("Cannot assign requested address")) {
            return "is not an address of this host";
        }
        return "cannot be bound: " + m;
    }
}
