package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.RouteSpec;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import io.rhizome.mesh.protocol.v1.Version;
import java.util.List;
import java.util.Map;

/** Short builders for Route resources in their stored (protobuf) form. */
final class RouteFixtures {
    private RouteFixtures() {}

    static Resource route(String name, String service, long versionMillis, RouteRule... rules) {
        return Resource.newBuilder()
                .setKind("Route")
                .setName(name)
                .setRoute(RouteSpec.newBuilder().setService(service).addAllRules(List.of(rules)))
                .setVersion(Version.newBuilder().setPhysicalMillis(versionMillis).setNode("node-1"))
                .build();
    }

    static Resource route(String name, String service, RouteRule... rules) {
        return route(name, service, 1_000, rules);
    }

    /**
     * A rule named by its single backend's subset {@code rule=tag}, so tests can tell rules apart.
     */
    static RouteRule rule(String tag, RouteMatch.Builder... matches) {
        RouteRule.Builder b =
                RouteRule.newBuilder()
                        .addBackends(Backend.newBuilder().putSubset("rule", tag).setWeight(1));
        for (RouteMatch.Builder m : matches) {
            b.addMatches(m);
        }
        return b.build();
    }

    static RouteMatch.Builder match() {
        return RouteMatch.newBuilder();
    }

    static RouteMatch.Builder prefix(String prefix) {
        return match().setPathPrefix(prefix);
    }

    static RouteMatch.Builder exact(String path) {
        return match().setPathExact(path);
    }

    static RouteMatch.Builder regex(String regex) {
        return match().setPathRegex(regex);
    }

    static ValueMatch header(String name, String value) {
        return ValueMatch.newBuilder().setName(name).setExact(value).build();
    }

    static ValueMatch headerRegex(String name, String regex) {
        return ValueMatch.newBuilder().setName(name).setRegex(regex).build();
    }

    static ValueMatch present(String name) {
        return ValueMatch.newBuilder().setName(name).setPresent(true).build();
    }

    static RequestView get(String pathAndQuery) {
        return RequestView.of("GET", pathAndQuery);
    }

    static RequestView request(String method, String pathAndQuery, Map<String, String> headers) {
        return RequestView.of(method, pathAndQuery, headers);
    }

    /** The tag of the rule that matched, "no-route" or "no-routes". */
    static String winner(RouteTable table, String service, RequestView request) {
        RouteDecision d = table.match(service, request);
        if (d instanceof RouteDecision.Matched m) {
            return m.rule().backends().backends().get(0).subset().labels().get("rule");
        }
        return d instanceof RouteDecision.NoRoute ? "no-route" : "no-routes";
    }
}
