package io.rhizome.mesh.node.security;

/**
 * The one form of a request target that routes match, authorization matches and the upstream
 * receives (so that no rule can be bypassed by spelling a path differently: CVE-2019-9901,
 * CVE-2021-29492, CVE-2021-32779). In this order:
 *
 * <ol>
 *   <li>percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded, other
 *       escapes keep their encoding with upper-case hex ({@code %2f} never becomes {@code /});
 *   <li>runs of slashes merge into one;
 *   <li>dot segments are removed (RFC 3986 §5.2.4), also those spelled {@code %2E};
 * </ol>
 *
 * and these are refused: an encoded slash or backslash ({@code %2F}, {@code %5C}), a raw backslash,
 * an encoded or raw control character or NUL, a byte outside ASCII, a broken escape, a fragment
 * ({@code #}), and a dot segment with parameters ({@code ..;x}, which servlet containers read as
 * {@code ..}). The query is kept as received but checked for the same characters.
 *
 * <p>Paths are case-sensitive (RFC 3986 §6.2.2.1): {@code /ADMIN} is not {@code /admin}. A target
 * that needs no change is returned as the same string, without allocating.
 */
public final class PathNormalizer {

    /** What became of a request target. */
    public sealed interface Result permits Normalized, Refused {}

    /** The target to match and forward. */
    public record Normalized(String target) implements Result {}

    /** The target cannot be made safe; {@code problem} names what is wrong, for a 400 body. */
    public record Refused(String problem) implements Result {}

    private PathNormalizer() {}

    /**
     * Normalises an origin-form ({@code /path?query}) or absolute-form ({@code
     * http://host/path?query}) target. Other forms (authority-form of CONNECT, {@code *}, other
     * schemes) are returned unchanged: the proxy answers those on its own.
     */
    public static Result normalizeTarget(String uri) {
        if (uri.startsWith("/")) {
            return normalize(uri, "");
        }
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            int start = 7;
            while (start < uri.length() && "/?#".indexOf(uri.charAt(start)) < 0) {
                start++;
            }
            if (start == uri.length()) {
                return new Normalized(uri);
            }
            String prefix = uri.substring(0, start);
            return uri.charAt(start) == '/'
                    ? normalize(uri.substring(start), prefix)
                    : normalize("/" + uri.substring(start), prefix);
        }
        return new Normalized(uri);
    }

    private static Result normalize(String target, String prefix) {
        int q = target.indexOf('?');
        int hash = target.indexOf('#');
        if (hash >= 0) {
            return new Refused("a fragment ('#') in the request target (expected: /path?query)");
        }
        String path = q < 0 ? target : target.substring(0, q);
        if (q >= 0) {
            String problem = checkQuery(target, q + 1);
            if (problem != null) {
                return new Refused(problem);
            }
        }
        boolean changes = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return new Refused(describe(c) + " in the path (expected: percent-encoded)");
            }
            if (c == '\\') {
                return new Refused("a backslash in the path (expected: '/' or %5C-free paths)");
            }
            if (c == '%'
                    || (c == '/'
                            && i + 1 < path.length()
                            && (path.charAt(i + 1) == '/' || path.charAt(i + 1) == '.'))) {
                changes = true;
            }
        }
        if (!changes) {
            return new Normalized(prefix.isEmpty() ? target : prefix + target);
        }
        StringBuilder decoded = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            if (i + 2 >= path.length()
                    || hex(path.charAt(i + 1)) < 0
                    || hex(path.charAt(i + 2)) < 0) {
                return new Refused(
                        "a broken percent-escape in the path (expected: % and two hex digits)");
            }
            int b = hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2));
            if (b == '/' || b == '\\') {
                return new Refused(
                        "an encoded "
                                + (b == '/' ? "slash (%2F)" : "backslash (%5C)")
                                + " in the path (expected: a literal '/' between segments)");
            }
            if (b < 0x20 || b == 0x7f) {
                return new Refused(
                        "an encoded control character (%" + hexPair(b) + ") in the path");
            }
            if (unreserved(b)) {
                decoded.append((char) b);
            } else {
                decoded.append('%').append(hexPair(b));
            }
            i += 2;
        }
        String clean = removeDotSegments(mergeSlashes(decoded));
        if (clean == null) {
            return new Refused("a dot segment with parameters ('.;' or '..;') in the path");
        }
        return new Normalized(prefix + clean + (q < 0 ? "" : target.substring(q)));
    }

    private static String checkQuery(String target, int from) {
        for (int i = from; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return describe(c) + " in the query (expected: percent-encoded)";
            }
            if (c == '%' && target.startsWith("00", i + 1)) {
                return "an encoded NUL (%00) in the query";
            }
        }
        return null;
    }

    private static String mergeSlashes(CharSequence path) {
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/' && out.length() > 0 && out.charAt(out.length() - 1) == '/') {
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * RFC 3986 §5.2.4 over a path of single slashes; null when a dot segment carries parameters.
     */
    private static String removeDotSegments(String path) {
        String[] segments = path.substring(1).split("/", -1);
        java.util.ArrayList<String> out = new java.util.ArrayList<>(segments.length);
        boolean trailingSlash = false;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.startsWith(".;") || s.startsWith("..;")) {
                return null;
            }
            if (s.equals(".")) {
                trailingSlash = last;
            } else if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                trailingSlash = last;
            } else {
                out.add(s);
                trailingSlash = false;
            }
        }
        StringBuilder b = new StringBuilder(path.length());
        for (String s : out) {
            b.append('/').append(s);
        }
        if (trailingSlash || b.length() == 0) {
            b.append('/');
        }
        return b.toString();
    }

    private static boolean unreserved(int b) {
        return (b >= 'A' && b <= 'Z')
                || (b >= 'a' && b <= 'z')
                || (b >= '0' && b <= '9')
                || b == '-'
                || b == '.'
                || b == '_'
                || b == '~';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String hexPair(int b) {
        return String.format("%02X", b);
    }

    private static String describe(char c) {
        if (c == 0) {
            return "a NUL byte";
        }
        if (c == ' ') {
            return "a space";
        }
        if (c < 0x20 || c == 0x7f) {
            return "a control character (0x" + hexPair(c) + ")";
        }
        return "a non-ASCII byte (0x" + hexPair(c & 0xff) + ")";
    }
}
