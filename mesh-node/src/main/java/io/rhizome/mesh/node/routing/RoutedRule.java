package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.HeaderEdits;
import io.rhizome.mesh.protocol.v1.Retries;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The rule a request was routed by, compiled once per policy change.
 *
 * @param route the Route resource's name
 * @param ruleIndex the rule's index in {@code spec.rules}
 * @param service the Route's service (the default backend service)
 * @param backends where the rule sends traffic; default: the route's service, weight 1
 * @param timeout the route timeout (504 {@code x-rhizome-error: timeout}); empty: none
 * @param retries as stored; the default instance when the rule sets none (the retry stage applies
 *     the mesh defaults to unset fields)
 * @param requestHeaders edits to the request; the default instance when none
 * @param responseHeaders edits to the response; the default instance when none
 */
public record RoutedRule(
        String route,
        int ruleIndex,
        String service,
        WeightedBackends backends,
        Optional<Duration> timeout,
        Retries retries,
        HeaderEdits requestHeaders,
        HeaderEdits responseHeaders) {

    public RoutedRule {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retries, "retries");
        Objects.requireNonNull(requestHeaders, "requestHeaders");
        Objects.requireNonNull(responseHeaders, "responseHeaders");
    }

    /** {@code route/rules[i]}, as the access log and {@code x-rhizome-route} name it. */
    public String id() {
        return route + "/rules[" + ruleIndex + "]";
    }
}
