package io.rhizome.mesh.node.routing;

import java.util.regex.Pattern;

/** A compiled header or query condition: an exact value, a whole-value regex, or presence. */
final class ValueCondition {

    enum Kind {
        EXACT,
        REGEX,
        PRESENT
    }

    /** Lower-case for headers, as given for query parameters. */
    final String name;

    private final Kind kind;
    private final String exact;
    private final Pattern regex;

    private ValueCondition(String name, Kind kind, String exact, Pattern regex) {
        this.name = name;
        this.kind = kind;
        this.exact = exact;
        this.regex = regex;
    }

    static ValueCondition exact(String name, String value) {
        return new ValueCondition(name, Kind.EXACT, value, null);
    }

    /**
     * @throws java.util.regex.PatternSyntaxException when {@code regex} does not compile
     */
    static ValueCondition regex(String name, String regex) {
        return new ValueCondition(name, Kind.REGEX, null, Pattern.compile(regex));
    }

    static ValueCondition present(String name) {
        return new ValueCondition(name, Kind.PRESENT, null, null);
    }

    /**
     * @param value the request's first value, or null when absent
     */
    boolean test(String value) {
        if (value == null) {
            return false;
        }
        switch (kind) {
            case EXACT:
                return exact.equals(value);
            case REGEX:
                return regex.matcher(value).matches();
            default:
                return true;
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EXACT -> name + "=" + exact;
            case REGEX -> name + "~" + regex.pattern();
            case PRESENT -> name + " present";
        };
    }
}
