package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.AuthorizationRule;
import io.rhizome.mesh.protocol.v1.AuthorizationSpec;
import java.util.List;
import java.util.Set;

/**
 * The {@code spec} of an Authorization: a default action and rules that match callers and requests.
 */
final class AuthorizationSpecReader {

    static final List<String> ACTIONS = List.of("allow", "deny");
    static final String DEFAULT_ACTION = "allow";

    private static final Set<String> KEYS = Set.of("service", "default", "rules");
    private static final Set<String> RULE_KEYS =
            Set.of("action", "from", "methods", "paths", "path-prefixes", "headers");
    private static final int ANY = Integer.MAX_VALUE;

    private AuthorizationSpecReader() {}

    static AuthorizationSpec read(Fields spec) {
        spec.allowOnly(KEYS);
        AuthorizationSpec.Builder b =
                AuthorizationSpec.newBuilder()
                        .setService(Names.service(spec, "service"))
                        .setDefaultAction(spec.oneOf("default", ACTIONS, DEFAULT_ACTION));
        for (Fields.Element e : spec.list("rules", 0, ANY, "a list of rules")) {
            b.addRules(
                    rule(
                            Fields.of(
                                    e.value(),
                                    e.path(),
                                    "an object { action, from, methods, paths, ... }")));
        }
        return b.build();
    }

    private static AuthorizationRule rule(Fields rule) {
        rule.allowOnly(RULE_KEYS);
        AuthorizationRule.Builder b =
                AuthorizationRule.newBuilder().setAction(rule.oneOf("action", ACTIONS, null));
        for (Fields.Element e :
                rule.list("from", 0, ANY, "a list of identities spiffe://DOMAIN/service/NAME")) {
            b.addFrom(Names.identity(e.value(), e.path()));
        }
        for (Fields.Element e : rule.list("methods", 0, ANY, "a list of HTTP methods")) {
            b.addMethods(Names.method(e.value(), e.path()));
        }
        for (Fields.Element e : rule.list("paths", 0, ANY, "a list of paths")) {
            b.addPaths(Names.path(e.value(), e.path()));
        }
        for (Fields.Element e : rule.list("path-prefixes", 0, ANY, "a list of paths")) {
            b.addPathPrefixes(Names.path(e.value(), e.path()));
        }
        return b.addAllHeaders(ValueMatches.read(rule, "headers", true)).build();
    }
}
