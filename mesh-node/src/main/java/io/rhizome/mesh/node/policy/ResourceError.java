package io.rhizome.mesh.node.policy;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.Set;
import java.util.TreeSet;

/**
 * A resource document is malformed, incomplete or has an unknown key. The message is one line that
 * names the full field path and the expected form, e.g. {@code
 * resources[0].spec.rules[1].backends[0].weight: -5 (expected: 0..1000)}.
 */
public final class ResourceError extends RuntimeException {
    private final String field;

    public ResourceError(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The full path of the field the error is about, e.g. {@code resources[0].spec.service}. */
    public String field() {
        return field;
    }

    static ResourceError bad(String field, ConfigValue value, String expected) {
        return bad(field, render(value), expected);
    }

    static ResourceError bad(String field, String shownValue, String expected) {
        return new ResourceError(field, shownValue + " (expected: " + expected + ")");
    }

    static ResourceError missing(String field, String expected) {
        return new ResourceError(field, "missing (expected: " + expected + ")");
    }

    static ResourceError unknownKey(String field, Set<String> known) {
        return new ResourceError(
                field, "unknown key (expected one of: " + new TreeSet<>(known) + ")");
    }

    static String render(ConfigValue value) {
        return value.render(ConfigRenderOptions.concise());
    }

    /**
     * A plain string rendered as a config string renders, quoted and escaped, so messages look
     * alike.
     */
    static String quote(String s) {
        return render(ConfigValueFactory.fromAnyRef(s));
    }
}
