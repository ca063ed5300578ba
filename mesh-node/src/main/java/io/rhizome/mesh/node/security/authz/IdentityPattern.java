package io.rhizome.mesh.node.security.authz;

/**
 * A caller identity from a rule's {@code from}: exact, or with {@code *} wildcards that match any run
 * of characters within one path segment ({@code spiffe://example.org/service/*} is every service of
 * that trust domain, never {@code spiffe://example.org/service/a/b}).
 */
public record IdentityPattern(String pattern) {

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
