package io.rhizome.mesh.node.policy;

import com.typesafe.config.ConfigValueType;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Header and query conditions: {@code NAME = "value"}, {@code NAME { regex = "..." }} or {@code
 * NAME { present = true }}. Header names are lower-cased; query names are kept as written.
 */
final class ValueMatches {

    private static final String FORMS = "\"value\", { regex = \"...\" } or { present = true }";
    private static final Set<String> KEYS = Set.of("regex", "present");

    private ValueMatches() {}

    /** Reads the conditions at {@code key}, sorted by name; absent: none. */
    static List<ValueMatch> read(Fields parent, String key, boolean headers) {
        Map<String, ValueMatch> out = new TreeMap<>();
        for (var e : parent.entries(key, "an object { name = " + FORMS + " }").entrySet()) {
            Fields.Element element = e.getValue();
            String name =
                    headers
                            ? Names.headerName(e.getKey(), element.path())
                            : queryName(e.getKey(), element.path());
            ValueMatch match = match(name, element);
            if (out.put(name, match) != null) {
                throw ResourceError.bad(
                        element.path(),
                        element.value(),
                        "each header once (names are case-insensitive)");
            }
        }
        return List.copyOf(out.values());
    }

    private static String queryName(String name, String path) {
        if (name.isEmpty()) {
            throw ResourceError.bad(path, "\"\"", "a query parameter name");
        }
        return name;
    }

    private static ValueMatch match(String name, Fields.Element element) {
        ValueMatch.Builder b = ValueMatch.newBuilder().setName(name);
        if (element.value().valueType() != ConfigValueType.OBJECT) {
            return b.setExact(Fields.scalar(element.value(), element.path(), FORMS)).build();
        }
        Fields f = Fields.of(element.value(), element.path(), FORMS).allowOnly(KEYS);
        if (f.has("regex") == f.has("present")) {
            throw ResourceError.bad(
                    element.path(), element.value(), "exactly one of regex, present");
        }
        if (f.has("regex")) {
            return b.setRegex(Names.regex(f.value("regex", "a regex"), f.pathOf("regex"))).build();
        }
        if (!f.bool("present", false)) {
            throw ResourceError.bad(f.pathOf("present"), f.value("present", "true"), "true");
        }
        return b.setPresent(true).build();
    }

    /** The friendly form of {@code matches}, in stored order. */
    static Map<String, Object> write(List<ValueMatch> matches) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ValueMatch m : matches) {
            out.put(
                    m.getName(),
                    switch (m.getValueCase()) {
                        case REGEX -> Map.of("regex", m.getRegex());
                        case PRESENT -> Map.of("present", true);
                        default -> m.getExact();
                    });
        }
        return out;
    }
}
