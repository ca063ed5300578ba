package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.GrpcMatch;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.RouteSpec;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.PatternSyntaxException;

/** Compiles one Route resource into its match candidates, or refuses it whole. */
final class RouteCompiler {

    /** The candidates of one Route, unsorted. */
    record CompiledRoute(String service, List<MatchCandidate> candidates) {}

    private RouteCompiler() {}

    static CompiledRoute compile(Resource resource) throws InvalidRouteException {
        RouteSpec spec = resource.getRoute();
        String service = spec.getService();
        if (service.isEmpty()) {
            throw new InvalidRouteException("spec.service", "\"\"", "a service name");
        }
        List<MatchCandidate> candidates = new ArrayList<>();
        for (int i = 0; i < spec.getRulesCount(); i++) {
            RouteRule rule = spec.getRules(i);
            String field = "rules[" + i + "]";
            RouteDecision.Matched decision =
                    new RouteDecision.Matched(
                            routedRule(resource.getName(), i, service, rule, field));
            if (rule.getMatchesCount() == 0) {
                candidates.add(
                        new MatchCandidate(
                                PathCondition.ANY,
                                null,
                                new ValueCondition[0],
                                new ValueCondition[0],
                                resource.getVersion(),
                                0,
                                decision));
            }
            for (int j = 0; j < rule.getMatchesCount(); j++) {
                candidates.add(
                        candidate(
                                rule.getMatches(j),
                                resource,
                                j,
                                decision,
                                field + ".matches[" + j + "]"));
            }
        }
        return new CompiledRoute(service, candidates);
    }

    private static RoutedRule routedRule(
            String route, int index, String service, RouteRule rule, String field)
            throws InvalidRouteException {
        List<RouteBackend> backends = new ArrayList<>();
        for (int k = 0; k < rule.getBackendsCount(); k++) {
            Backend b = rule.getBackends(k);
            if (b.getWeight() < 0 || b.getWeight() > 1000) {
                throw new InvalidRouteException(
                        field + ".backends[" + k + "].weight", b.getWeight(), "0..1000");
            }
            String target = b.getService().isEmpty() ? service : b.getService();
            backends.add(
                    new RouteBackend(target, SubsetFilter.of(b.getSubsetMap()), b.getWeight()));
        }
        if (backends.isEmpty()) {
            backends.add(new RouteBackend(service, SubsetFilter.all(), 1));
        }
        if (rule.getTimeoutMillis() < 0) {
            throw new InvalidRouteException(
                    field + ".timeout", rule.getTimeoutMillis() + "ms", "1ms..1h");
        }
        Optional<Duration> timeout =
                rule.getTimeoutMillis() == 0
                        ? Optional.empty()
                        : Optional.of(Duration.ofMillis(rule.getTimeoutMillis()));
        return new RoutedRule(
                route,
                index,
                service,
                WeightedBackends.of(backends),
                timeout,
                rule.getRetries(),
                rule.getRequestHeaders(),
                rule.getResponseHeaders());
    }

    private static MatchCandidate candidate(
            RouteMatch m,
            Resource resource,
            int index,
            RouteDecision.Matched decision,
            String field)
            throws InvalidRouteException {
        PathCondition path =
                switch (m.getPathCase()) {
                    case PATH_EXACT ->
                            PathCondition.exact(absolute(m.getPathExact(), field + ".path-exact"));
                    case PATH_PREFIX ->
                            PathCondition.prefix(
                                    absolute(m.getPathPrefix(), field + ".path-prefix"));
                    case PATH_REGEX ->
                            compileOr(
                                    field + ".path-regex",
                                    m.getPathRegex(),
                                    () -> PathCondition.regex(m.getPathRegex()));
                    case PATH_NOT_SET ->
                            m.hasGrpc() ? grpc(m.getGrpc(), field + ".grpc") : PathCondition.ANY;
                };
        String method = m.getMethod().isEmpty() ? null : m.getMethod().toUpperCase(Locale.ROOT);
        ValueCondition[] headers = new ValueCondition[m.getHeadersCount()];
        for (int k = 0; k < headers.length; k++) {
            ValueMatch h = m.getHeaders(k);
            headers[k] =
                    value(h, h.getName().toLowerCase(Locale.ROOT), field + ".headers[" + k + "]");
        }
        ValueCondition[] query = new ValueCondition[m.getQueryCount()];
        for (int k = 0; k < query.length; k++) {
            ValueMatch q = m.getQuery(k);
            query[k] = value(q, q.getName(), field + ".query[" + k + "]");
        }
        return new MatchCandidate(
                path, method, headers, query, resource.getVersion(), index, decision);
    }

    private static ValueCondition value(ValueMatch v, String name, String field)
            throws InvalidRouteException {
        if (name.isEmpty()) {
            throw new InvalidRouteException(field + ".name", "\"\"", "a name");
        }
        return switch (v.getValueCase()) {
            case EXACT -> ValueCondition.exact(name, v.getExact());
            case REGEX ->
                    compileOr(
                            field + ".regex",
                            v.getRegex(),
                            () -> ValueCondition.regex(name, v.getRegex()));
            case PRESENT -> {
                if (!v.getPresent()) {
                    throw new InvalidRouteException(field + ".present", false, "true");
                }
                yield ValueCondition.present(name);
            }
            case VALUE_NOT_SET ->
                    throw new InvalidRouteException(
                            field, "nothing", "a value, { regex = ... } or { present = true }");
        };
    }

    /**
     * A gRPC match as the path condition it is (gRPC's path is {@code /service/method}): service
     * and method exact, an exact path; the service alone, its path prefix; anything else a regex.
     * So precedence ranks them as GRPCRoute does: an exact method first, then a whole service.
     */
    private static PathCondition grpc(GrpcMatch g, String field) throws InvalidRouteException {
        if (!g.getRegex()) {
            if (!g.getService().isEmpty() && !g.getMethod().isEmpty()) {
                return PathCondition.exact("/" + g.getService() + "/" + g.getMethod());
            }
            if (!g.getService().isEmpty()) {
                return PathCondition.prefix("/" + g.getService());
            }
            String regex = "/[^/]+/" + java.util.regex.Pattern.quote(g.getMethod());
            return compileOr(field + ".method", regex, () -> PathCondition.regex(regex));
        }
        String regex =
                "/("
                        + (g.getService().isEmpty() ? "[^/]+" : g.getService())
                        + ")/("
                        + (g.getMethod().isEmpty() ? "[^/]+" : g.getMethod())
                        + ")";
        return compileOr(field, regex, () -> PathCondition.regex(regex));
    }

    private static String absolute(String path, String field) throws InvalidRouteException {
        if (!path.startsWith("/")) {
            throw new InvalidRouteException(field, "\"" + path + "\"", "a path starting with /");
        }
        return path;
    }

    private interface RegexCompilation<T> {
        T compile();
    }

    private static <T> T compileOr(String field, String regex, RegexCompilation<T> compilation)
            throws InvalidRouteException {
        try {
            return compilation.compile();
        } catch (PatternSyntaxException e) {
            throw new InvalidRouteException(
                    field, "\"" + regex + "\"", "a Java regular expression; " + e.getDescription());
        }
    }
}
