package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.HeaderEdits;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.RouteSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The {@code spec} of a Route: its service and 1..64 rules of matches, backends and policies. */
final class RouteSpecReader {

    static final int DEFAULT_WEIGHT = 1;

    private static final Set<String> SPEC_KEYS = Set.of("service", "rules");
    private static final Set<String> RULE_KEYS =
            Set.of(
                    "match",
                    "matches",
                    "backends",
                    "timeout",
                    "retries",
                    "request-headers",
                    "response-headers");
    private static final Set<String> BACKEND_KEYS = Set.of("service", "subset", "weight");
    private static final Set<String> EDIT_KEYS = Set.of("set", "add", "remove");
    private static final String RULES = "a list of 1..64 rules";

    private RouteSpecReader() {}

    static RouteSpec read(Fields spec) {
        spec.allowOnly(SPEC_KEYS);
        String service = Names.service(spec, "service");
        RouteSpec.Builder b = RouteSpec.newBuilder().setService(service);
        if (!spec.has("rules")) {
            throw ResourceError.missing(spec.pathOf("rules"), RULES);
        }
        for (Fields.Element e : spec.list("rules", 1, 64, RULES)) {
            b.addRules(
                    rule(
                            Fields.of(e.value(), e.path(), "an object { matches, backends, ... }"),
                            service));
        }
        return b.build();
    }

    private static RouteRule rule(Fields rule, String service) {
        rule.allowOnly(RULE_KEYS);
        RouteRule.Builder b = RouteRule.newBuilder().addAllMatches(RouteMatchReader.read(rule));
        if (rule.has("backends")) {
            for (Fields.Element e : rule.list("backends", 1, 16, "a list of 1..16 backends")) {
                b.addBackends(
                        backend(
                                Fields.of(
                                        e.value(),
                                        e.path(),
                                        "an object { service, subset, weight }"),
                                service));
            }
        } else {
            b.addBackends(Backend.newBuilder().setService(service).setWeight(DEFAULT_WEIGHT));
        }
        b.setTimeoutMillis(rule.millis("timeout", Duration.ofMillis(1), Duration.ofHours(1), 0));
        if (rule.has("retries")) {
            b.setRetries(
                    RetriesReader.read(rule.object("retries", "an object { attempts, on, ... }")));
        }
        HeaderEdits request = edits(rule, "request-headers");
        if (request != null) {
            b.setRequestHeaders(request);
        }
        HeaderEdits response = edits(rule, "response-headers");
        if (response != null) {
            b.setResponseHeaders(response);
        }
        return b.build();
    }

    private static Backend backend(Fields f, String routeService) {
        f.allowOnly(BACKEND_KEYS);
        // The stored form names the service even when it is the route's own, so it reads
        // explicitly.
        String service = f.has("service") ? Names.service(f, "service") : routeService;
        return Backend.newBuilder()
                .setService(service)
                .putAllSubset(f.stringMap("subset", "an object { label = value }"))
                .setWeight(f.intIn("weight", 0, 1000, DEFAULT_WEIGHT))
                .build();
    }

    /**
     * Header edits at {@code key}, or null when absent or empty (an empty block changes nothing).
     */
    private static HeaderEdits edits(Fields rule, String key) {
        if (!rule.has(key)) {
            return null;
        }
        Fields f = rule.object(key, "an object { set, add, remove }").allowOnly(EDIT_KEYS);
        HeaderEdits.Builder b =
                HeaderEdits.newBuilder()
                        .putAllSet(headerValues(f, "set"))
                        .putAllAdd(headerValues(f, "add"));
        for (Fields.Element e : f.list("remove", 0, Integer.MAX_VALUE, "a list of header names")) {
            b.addRemove(Names.headerName(e.value(), e.path()));
        }
        HeaderEdits edits = b.build();
        return edits.equals(HeaderEdits.getDefaultInstance()) ? null : edits;
    }

    private static Map<String, String> headerValues(Fields f, String key) {
        Map<String, String> out = new TreeMap<>();
        for (var e : f.entries(key, "an object { header-name = value }").entrySet()) {
            String name = Names.headerName(e.getKey(), e.getValue().path());
            String value = Fields.scalar(e.getValue().value(), e.getValue().path(), "a string");
            if (out.put(name, value) != null) {
                throw ResourceError.bad(
                        e.getValue().path(),
                        e.getValue().value(),
                        "each header once (names are case-insensitive)");
            }
        }
        return out;
    }
}
