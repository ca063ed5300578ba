package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.HeaderEdits;
import io.rhizome.mesh.protocol.v1.Retries;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.RouteSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stored RouteSpec in the friendly shape; what {@link RouteSpecReader} reads back to the same
 * spec.
 */
final class RouteSpecWriter {

    private RouteSpecWriter() {}

    static Map<String, Object> write(RouteSpec spec) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", spec.getService());
        List<Object> rules = new ArrayList<>();
        for (RouteRule rule : spec.getRulesList()) {
            rules.add(rule(rule));
        }
        out.put("rules", rules);
        return out;
    }

    private static Map<String, Object> rule(RouteRule rule) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> matches = new ArrayList<>();
        for (RouteMatch m : rule.getMatchesList()) {
            matches.add(match(m));
        }
        out.put("matches", matches);
        List<Object> backends = new ArrayList<>();
        for (Backend b : rule.getBackendsList()) {
            backends.add(backend(b));
        }
        out.put("backends", backends);
        if (rule.getTimeoutMillis() > 0) {
            out.put("timeout", Durations.format(rule.getTimeoutMillis()));
        }
        if (rule.hasRetries()) {
            out.put("retries", retries(rule.getRetries()));
        }
        if (rule.hasRequestHeaders()) {
            out.put("request-headers", edits(rule.getRequestHeaders()));
        }
        if (rule.hasResponseHeaders()) {
            out.put("response-headers", edits(rule.getResponseHeaders()));
        }
        return out;
    }

    private static Map<String, Object> match(RouteMatch m) {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (m.getPathCase()) {
            case PATH_EXACT -> out.put("path-exact", m.getPathExact());
            case PATH_PREFIX -> out.put("path-prefix", m.getPathPrefix());
            case PATH_REGEX -> out.put("path-regex", m.getPathRegex());
            default -> {}
        }
        if (!m.getMethod().isEmpty()) {
            out.put("method", m.getMethod());
        }
        if (m.getHeadersCount() > 0) {
            out.put("headers", ValueMatches.write(m.getHeadersList()));
        }
        if (m.getQueryCount() > 0) {
            out.put("query", ValueMatches.write(m.getQueryList()));
        }
        if (m.hasGrpc()) {
            Map<String, Object> grpc = new LinkedHashMap<>();
            if (!m.getGrpc().getService().isEmpty()) {
                grpc.put("service", m.getGrpc().getService());
            }
            if (!m.getGrpc().getMethod().isEmpty()) {
                grpc.put("method", m.getGrpc().getMethod());
            }
            if (m.getGrpc().getRegex()) {
                grpc.put("type", "regex");
            }
            out.put("grpc", grpc);
        }
        return out;
    }

    private static Map<String, Object> backend(Backend b) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!b.getService().isEmpty()) {
            out.put("service", b.getService());
        }
        out.put("subset", new TreeMap<>(b.getSubsetMap()));
        out.put("weight", b.getWeight());
        return out;
    }

    private static Map<String, Object> retries(Retries r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("attempts", r.getAttempts());
        if (r.getPerTryTimeoutMillis() > 0) {
            out.put("per-try-timeout", Durations.format(r.getPerTryTimeoutMillis()));
        }
        out.put("on", List.copyOf(r.getOnList()));
        out.put("retriable-status-codes", List.copyOf(r.getRetriableStatusCodesList()));
        Map<String, Object> backoff = new LinkedHashMap<>();
        backoff.put("base", Durations.format(r.getBackoffBaseMillis()));
        backoff.put("max", Durations.format(r.getBackoffMaxMillis()));
        out.put("backoff", backoff);
        out.put("non-idempotent", r.getNonIdempotent());
        return out;
    }

    private static Map<String, Object> edits(HeaderEdits e) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (e.getSetCount() > 0) {
            out.put("set", new TreeMap<>(e.getSetMap()));
        }
        if (e.getAddCount() > 0) {
            out.put("add", new TreeMap<>(e.getAddMap()));
        }
        if (e.getRemoveCount() > 0) {
            out.put("remove", List.copyOf(e.getRemoveList()));
        }
        return out;
    }
}
