package io.rhizome.mesh.pki;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A caller identity from a rule's {@code from}: exact, or with {@code *} wildcards that match any
 * run of characters within one path segment ({@code spiffe://example.org/service/*} is every
 * service of that trust domain, never {@code spiffe://example.org/service/a/b}). Used by
 * Authorization rules, the admin API's allowed client identities, the cluster's members and
 * meshctl's pinned node.
 */
public record IdentityPattern(String pattern) {
    /** What a configuration key or option naming service identities expects, for messages. */
    public static final String SERVICE_FORM =
            "\"spiffe://DOMAIN/service/NAME\" ('*' within NAME matches any characters)";

    private static final Pattern SERVICE =
            Pattern.compile("spiffe://[a-z0-9._-]+/service/[a-z0-9*][a-z0-9*-]*");

    /** Whether {@code text} names services of one trust domain in {@link #SERVICE_FORM}. */
    public static boolean isServicePattern(String text) {
        return text != null && SERVICE.matcher(text).matches();
    }

    /** Whether some identity matches both this pattern and {@code other}. */
    public boolean overlaps(IdentityPattern other) {
        return overlap(pattern, 0, other.pattern, 0, new HashMap<>());
    }

    private static boolean overlap(String a, int i, String b, int j, Map<Long, Boolean> memo) {
        long key = ((long) i << 32) | j;
        Boolean known = memo.get(key);
        if (known != null) {
            return known;
        }
        boolean result;
        if (i == a.length() && j == b.length()) {
            result = true;
        } else if (i < a.length() && a.charAt(i) == '*') {
            // a's star matches nothing more, or also whatever b has next (a character, or b's own
            // star's run)
            result =
                    overlap(a, i + 1, b, j, memo)
                            || (j < b.length()
                                    && b.charAt(j) != '/'
                                    && overlap(a, i, b, j + 1, memo));
        } else if (j < b.length() && b.charAt(j) == '*') {
            result =
                    overlap(a, i, b, j + 1, memo)
                            || (i < a.length()
                                    && a.charAt(i) != '/'
                                    && overlap(a, i + 1, b, j, memo));
        } else {
            result =
                    i < a.length()
                            && j < b.length()
                            && a.charAt(i) == b.charAt(j)
                            && overlap(a, i + 1, b, j + 1, memo);
        }
        memo.put(key, result);
        return result;
    }

    public boolean matches(String identity) {
        if (identity == null) {
            return false;
        }
        if (pattern.indexOf('*') < 0) {
            return pattern.equals(identity);
        }
        int p = 0;
        int s = 0;
        int star = -1;
        int mark = 0;
        while (s < identity.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = s;
            } else if (p < pattern.length() && pattern.charAt(p) == identity.charAt(s)) {
                p++;
                s++;
            } else if (star >= 0 && identity.charAt(mark) != '/') {
                p = star + 1;
                s = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
