package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A rule's {@code matches} list, or its {@code match} shorthand for a list of one. */
final class RouteMatchReader {

    private static final Set<String> KEYS =
            Set.of("path-exact", "path-prefix", "path-regex", "method", "headers", "query");
    private static final String FORM = "an object { path-prefix, method, headers, query }";
    private static final String ONE_PATH = "only one of path-exact, path-prefix, path-regex";

    private RouteMatchReader() {}

    /** The rule's matches; none means the rule matches every request. */
    static List<RouteMatch> read(Fields rule) {
        if (rule.has("match") && rule.has("matches")) {
            throw ResourceError.bad(rule.pathOf("match"), rule.value("match", FORM), "match or matches, not both");
        }
        if (rule.has("match")) {
            return List.of(match(rule.object("match", FORM)));
        }
        List<RouteMatch> out = new ArrayList<>();
        for (Fields.Element e : rule.list("matches", 0, Integer.MAX_VALUE, "a list of matches")) {
            out.add(match(Fields.of(e.value(), e.path(), FORM)));
        }
        return out;
    }

    private static RouteMatch match(Fields m) {
        m.allowOnly(KEYS);
        RouteMatch.Builder b = RouteMatch.newBuilder();
        String pathKey = null;
        for (String key : List.of("path-exact", "path-prefix", "path-regex")) {
            if (!m.has(key)) {
                continue;
            }
            if (pathKey != null) {
                throw ResourceError.bad(m.pathOf(key), m.value(key, ONE_PATH), ONE_PATH);
            }
            pathKey = key;
        }
        if (pathKey != null) {
            String at = m.pathOf(pathKey);
            switch (pathKey) {
                case "path-exact" -> b.setPathExact(Names.path(m.value(pathKey, ONE_PATH), at));
                case "path-prefix" -> b.setPathPrefix(Names.path(m.value(pathKey, ONE_PATH), at));
                default -> b.setPathRegex(Names.regex(m.value(pathKey, ONE_PATH), at));
            }
        }
        if (m.has("method")) {
            b.setMethod(Names.method(m.value("method", "a method"), m.pathOf("method")));
        }
        b.addAllHeaders(ValueMatches.read(m, "headers", true));
        b.addAllQuery(ValueMatches.read(m, "query", false));
        return b.build();
    }
}
