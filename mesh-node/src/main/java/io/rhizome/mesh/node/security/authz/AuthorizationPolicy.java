package io.rhizome.mesh.node.security.authz;

import io.rhizome.mesh.pki.IdentityPattern;
import io.rhizome.mesh.protocol.v1.AuthorizationRule;
import io.rhizome.mesh.protocol.v1.AuthorizationSpec;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One Authorization resource as this node enforces it.
 *
 * @param name the resource's name (named in a denial)
 * @param defaultAllow what a request no rule matches gets ({@code default}, allow unless {@code
 *     deny})
 * @param rules in resource order
 */
public record AuthorizationPolicy(String name, boolean defaultAllow, List<Rule> rules) {

    public AuthorizationPolicy {
        Objects.requireNonNull(name, "name");
        rules = List.copyOf(rules);
    }

    /**
     * One rule: every condition given must hold; within a list, any entry may match. {@code paths}
     * and {@code pathPrefixes} together are one condition (either may match).
     *
     * @param id "Authorization NAME rules[i]", for denials
     */
    public record Rule(
            String id,
            boolean allow,
            List<IdentityPattern> from,
            Set<String> methods,
            Set<String> paths,
            List<String> pathPrefixes,
            List<Header> headers) {

        public Rule {
            from = List.copyOf(from);
            methods = Set.copyOf(methods);
            paths = Set.copyOf(paths);
            pathPrefixes = List.copyOf(pathPrefixes);
            headers = List.copyOf(headers);
        }

        boolean matches(AuthzRequest request, String matchPath) {
            if (!from.isEmpty() && !anyIdentity(request.caller())) {
                return false;
            }
            if (!methods.isEmpty() && !methods.contains(request.method())) {
                return false;
            }
            if ((!paths.isEmpty() || !pathPrefixes.isEmpty())
                    && !paths.contains(matchPath)
                    && !anyPrefix(matchPath)) {
                return false;
            }
            for (Header h : headers) {
                // A deny rule matches when any copy of the header matches; an allow rule only when
                // all do,
                // so that a duplicated header cannot sneak past either.
                if (!h.test(request.headers(h.name()), !allow)) {
                    return false;
                }
            }
            return true;
        }

        private boolean anyIdentity(String caller) {
            for (IdentityPattern p : from) {
                if (p.matches(caller)) {
                    return true;
                }
            }
            return false;
        }

        private boolean anyPrefix(String path) {
            for (String prefix : pathPrefixes) {
                if (AuthorizationPolicy.hasPrefix(path, prefix)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A header condition: an exact value, a whole-value regex, or presence. */
    public record Header(String name, String exact, Pattern regex) {

        boolean test(List<String> values, boolean any) {
            if (values.isEmpty()) {
                return false;
            }
            for (String v : values) {
                boolean ok =
                        exact != null
                                ? exact.equals(v)
                                : regex == null || regex.matcher(v).matches();
                if (ok && any) {
                    return true;
                }
                if (!ok && !any) {
                    return false;
                }
            }
            return !any;
        }
    }

    /**
     * The stored form. The reader validated it; a regex that does not compile is an
     * IllegalArgumentException.
     */
    public static AuthorizationPolicy of(String name, AuthorizationSpec spec) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < spec.getRulesCount(); i++) {
            AuthorizationRule r = spec.getRules(i);
            List<Header> headers = new ArrayList<>();
            for (ValueMatch m : r.getHeadersList()) {
                String lower = m.getName().toLowerCase(Locale.ROOT);
                headers.add(
                        switch (m.getValueCase()) {
                            case EXACT -> new Header(lower, m.getExact(), null);
                            case REGEX -> new Header(lower, null, Pattern.compile(m.getRegex()));
                            default -> new Header(lower, null, null);
                        });
            }
            rules.add(
                    new Rule(
                            "Authorization " + name + " rules[" + i + "]",
                            "allow".equals(r.getAction()),
                            r.getFromList().stream().map(IdentityPattern::new).toList(),
                            Set.copyOf(r.getMethodsList()),
                            Set.copyOf(r.getPathsList()),
                            r.getPathPrefixesList(),
                            headers));
        }
        return new AuthorizationPolicy(name, !"deny".equals(spec.getDefaultAction()), rules);
    }

    /**
     * Whole-segment prefix, as Route's {@code path-prefix}: {@code /admin} matches {@code /admin},
     * {@code /admin/x} and {@code /admin;p}, never {@code /administrator}.
     */
    static boolean hasPrefix(String path, String prefix) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        if (path.length() == prefix.length() || prefix.endsWith("/")) {
            return true;
        }
        char next = path.charAt(prefix.length());
        return next == '/' || next == ';';
    }
}
