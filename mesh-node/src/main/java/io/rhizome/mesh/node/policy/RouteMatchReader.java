package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.GrpcMatch;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A rule's {@code matches} list, or its {@code match} shorthand for a list of one. */
final class RouteMatchReader {

    private static final Set<String> KEYS =
            Set.of("path-exact", "path-prefix", "path-regex", "method", "headers", "query", "grpc");
    private static final Set<String> GRPC_KEYS = Set.of("service", "method", "type");
    private static final String FORM =
            "an object { path-prefix, method, headers, query } or { grpc, headers }";
    private static final String GRPC_FORM = "an object { service, method, type = exact | regex }";

    /** A fully qualified gRPC service name and a method name, as protobuf allows them. */
    private static final java.util.regex.Pattern SERVICE =
            java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    private static final java.util.regex.Pattern METHOD =
            java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String ONE_PATH = "only one of path-exact, path-prefix, path-regex";

    private RouteMatchReader() {}

    /** The rule's matches; none means the rule matches every request. */
    static List<RouteMatch> read(Fields rule) {
        if (rule.has("match") && rule.has("matches")) {
            throw ResourceError.bad(
                    rule.pathOf("match"), rule.value("match", FORM), "match or matches, not both");
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
        if (m.has("grpc")) {
            // A gRPC method match is a path match: gRPC's path is /service/method (POST).
            for (String key :
                    List.of("path-exact", "path-prefix", "path-regex", "method", "query")) {
                if (m.has(key)) {
                    throw ResourceError.bad(
                            m.pathOf(key),
                            m.value(key, "grpc or " + key),
                            "grpc or " + key + ", not both");
                }
            }
            b.setGrpc(grpc(m.object("grpc", GRPC_FORM)));
        }
        return b.build();
    }

    private static GrpcMatch grpc(Fields g) {
        g.allowOnly(GRPC_KEYS);
        String type =
                g.has("type")
                        ? Fields.scalar(
                                g.value("type", "exact | regex"), g.pathOf("type"), "exact | regex")
                        : "exact";
        if (!type.equals("exact") && !type.equals("regex")) {
            throw ResourceError.bad(
                    g.pathOf("type"), g.value("type", "exact | regex"), "exact | regex");
        }
        boolean regex = type.equals("regex");
        String service =
                name(
                        g,
                        "service",
                        regex,
                        SERVICE,
                        "a fully qualified service name such as rhizome.example.Greeter");
        String method = name(g, "method", regex, METHOD, "a method name such as SayHello");
        if (service.isEmpty() && method.isEmpty()) {
            throw ResourceError.missing(g.pathOf("service"), "a service, a method or both");
        }
        return GrpcMatch.newBuilder().setService(service).setMethod(method).setRegex(regex).build();
    }

    /**
     * The service or method of a gRPC match: a name of that form, or a regex with {@code type =
     * regex}; "" when absent.
     */
    private static String name(
            Fields g, String key, boolean regex, java.util.regex.Pattern form, String expected) {
        if (!g.has(key)) {
            return "";
        }
        if (regex) {
            return Names.regex(g.value(key, "a Java regular expression"), g.pathOf(key));
        }
        String s = Fields.scalar(g.value(key, expected), g.pathOf(key), expected);
        if (!form.matcher(s).matches()) {
            throw ResourceError.bad(g.pathOf(key), g.value(key, expected), expected);
        }
        return s;
    }
}
