package io.rhizome.mesh.node.routing;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A compiled path condition. One class with a kind switch rather than one class per kind keeps the
 * per-request call monomorphic.
 */
final class PathCondition {

    /** Declared in precedence order: exact beats every prefix, a prefix beats every regex. */
    enum Kind {
        EXACT,
        PREFIX,
        REGEX
    }

    /** What a match without a path condition counts as: {@code path-prefix = "/"}. */
    static final PathCondition ANY = prefix("/");

    final Kind kind;

    /** The exact path, the normalized prefix, or the regex source. */
    final String value;

    private final Pattern regex;
    private final boolean matchesAll;

    private PathCondition(Kind kind, String value, Pattern regex) {
        this.kind = kind;
        this.value = value;
        this.regex = regex;
        this.matchesAll = kind == Kind.PREFIX && value.equals("/");
    }

    static PathCondition exact(String path) {
        return new PathCondition(Kind.EXACT, path, null);
    }

    /** {@code /v2/} behaves like {@code /v2}; {@code /} (or {@code //}) matches every path. */
    static PathCondition prefix(String prefix) {
        int end = prefix.length();
        while (end > 1 && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return new PathCondition(Kind.PREFIX, prefix.substring(0, end), null);
    }

    /**
     * @throws java.util.regex.PatternSyntaxException when {@code regex} does not compile
     */
    static PathCondition regex(String regex) {
        return new PathCondition(Kind.REGEX, regex, Pattern.compile(regex));
    }

    /** Characters of the normalized prefix; 0 for exact and regex paths. */
    int prefixLength() {
        return kind == Kind.PREFIX ? value.length() : 0;
    }

    boolean matches(String path) {
        switch (kind) {
            case EXACT:
                return value.equals(path);
            case PREFIX:
                // Whole segments only: /v2 takes /v2, /v2/ and /v2/x, never /v2x.
                return matchesAll
                        || (path.startsWith(value)
                                && (path.length() == value.length()
                                        || path.charAt(value.length()) == '/'));
            default:
                return regex.matcher(path).matches();
        }
    }

    @Override
    public String toString() {
        return "path-" + kind.name().toLowerCase(Locale.ROOT) + "=" + value;
    }
}
