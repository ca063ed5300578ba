package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.AuthorizationRule;
import io.rhizome.mesh.protocol.v1.AuthorizationSpec;
import io.rhizome.mesh.protocol.v1.CircuitBreaker;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.HashOn;
import io.rhizome.mesh.protocol.v1.OutlierDetection;
import io.rhizome.mesh.protocol.v1.RateLimitSpec;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stored resources in the friendly shape: kebab-case keys, durations as text, defaults explicit.
 */
final class FriendlyWriter {

    private FriendlyWriter() {}

    static Map<String, Object> resource(Resource r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(
                "kind",
                ResourceKind.parse(r.getKind()).map(ResourceKind::canonical).orElse(r.getKind()));
        out.put("name", r.getName());
        out.put(
                "spec",
                switch (r.getSpecCase()) {
                    case ROUTE -> RouteSpecWriter.write(r.getRoute());
                    case DESTINATION_POLICY -> destinationPolicy(r.getDestinationPolicy());
                    case RATE_LIMIT -> rateLimit(r.getRateLimit());
                    case AUTHORIZATION -> authorization(r.getAuthorization());
                    case SPEC_NOT_SET -> new LinkedHashMap<>();
                });
        if (r.hasVersion()) {
            Version v = r.getVersion();
            out.put("version", v.getPhysicalMillis() + "." + v.getLogical() + "@" + v.getNode());
            out.put("writer", r.getWriter());
            out.put("written-at", Instant.ofEpochMilli(r.getWrittenAtMillis()).toString());
        }
        return out;
    }

    private static Map<String, Object> destinationPolicy(DestinationPolicySpec s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", s.getService());
        out.put("load-balancer", s.getLoadBalancer());
        if (s.hasHashOn()) {
            HashOn h = s.getHashOn();
            out.put(
                    "hash-on",
                    switch (h.getKeyCase()) {
                        case HEADER -> Map.of("header", h.getHeader());
                        case COOKIE -> Map.of("cookie", h.getCookie());
                        default -> Map.of("source-ip", true);
                    });
        }
        OutlierDetection o = s.getOutlierDetection();
        Map<String, Object> outlier = new LinkedHashMap<>();
        outlier.put("consecutive-errors", o.getConsecutiveErrors());
        outlier.put("base-ejection", Durations.format(o.getBaseEjectionMillis()));
        outlier.put("max-ejection-percent", o.getMaxEjectionPercent());
        out.put("outlier-detection", outlier);
        // Unlimited (0) has no friendly spelling: an absent limit is unlimited.
        CircuitBreaker c = s.getCircuitBreaker();
        Map<String, Object> breaker = new LinkedHashMap<>();
        putIfPositive(breaker, "max-connections", c.getMaxConnections());
        putIfPositive(breaker, "max-pending", c.getMaxPending());
        putIfPositive(breaker, "max-requests", c.getMaxRequests());
        out.put("circuit-breaker", breaker);
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("ratio", number(s.getRetryBudget().getRatio()));
        budget.put("min-per-second", s.getRetryBudget().getMinPerSecond());
        out.put("retry-budget", budget);
        out.put("connect-timeout", Durations.format(s.getConnectTimeoutMillis()));
        return out;
    }

    private static Map<String, Object> rateLimit(RateLimitSpec s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", s.getService());
        out.put("requests-per-second", number(s.getRequestsPerSecond()));
        out.put("burst", s.getBurst());
        if (!s.getRoute().isEmpty()) {
            out.put("route", s.getRoute());
        }
        out.put("per-caller", s.getPerCaller());
        out.put("global", s.getGlobal());
        return out;
    }

    private static Map<String, Object> authorization(AuthorizationSpec s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", s.getService());
        out.put("default", s.getDefaultAction());
        List<Object> rules = new ArrayList<>();
        for (AuthorizationRule r : s.getRulesList()) {
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("action", r.getAction());
            putIfAny(rule, "from", r.getFromList());
            putIfAny(rule, "methods", r.getMethodsList());
            putIfAny(rule, "paths", r.getPathsList());
            putIfAny(rule, "path-prefixes", r.getPathPrefixesList());
            if (r.getHeadersCount() > 0) {
                rule.put("headers", ValueMatches.write(r.getHeadersList()));
            }
            rules.add(rule);
        }
        out.put("rules", rules);
        return out;
    }

    private static void putIfPositive(Map<String, Object> out, String key, int value) {
        if (value > 0) {
            out.put(key, value);
        }
    }

    private static void putIfAny(Map<String, Object> out, String key, List<String> values) {
        if (!values.isEmpty()) {
            out.put(key, List.copyOf(values));
        }
    }

    /** Whole numbers print without a fraction ({@code 100}, not {@code 100.0}). */
    private static Object number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
    }
}
