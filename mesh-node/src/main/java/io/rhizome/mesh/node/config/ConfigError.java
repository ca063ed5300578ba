package io.rhizome.mesh.node.config;

/**
 * A configuration value is missing, malformed or unknown. The message is one line that names the
 * key and the expected form, e.g. {@code rhizome.admin.port: "abc" (expected: an integer
 * 1..65535)}.
 */
public final class ConfigError extends RuntimeException {
    private final String key;

    public ConfigError(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The full key path the error is about, e.g. {@code rhizome.admin.port}. */
    public String key() {
        return key;
    }
}
