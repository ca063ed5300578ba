package io.rhizome.mesh.node.policy;

import java.util.Locale;
import java.util.Optional;

/** The kinds of policy resource (docs/resources.md), with their canonical spellings. */
public enum ResourceKind {
    ROUTE("Route"),
    DESTINATION_POLICY("DestinationPolicy"),
    RATE_LIMIT("RateLimit"),
    AUTHORIZATION("Authorization");

    private final String canonical;

    ResourceKind(String canonical) {
        this.canonical = canonical;
    }

    /** The spelling printed and stored, e.g. {@code DestinationPolicy}. */
    public String canonical() {
        return canonical;
    }

    /** The lower-case canonical spelling used in URLs, e.g. {@code destinationpolicy}. */
    public String pathSegment() {
        return canonical.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a kind case-insensitively; {@code destination-policy} and {@code destination_policy}
     * are accepted too. Empty if {@code text} names no kind.
     */
    public static Optional<ResourceKind> parse(String text) {
        String folded = text.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
        for (ResourceKind kind : values()) {
            if (kind.pathSegment().equals(folded)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return canonical;
    }
}
