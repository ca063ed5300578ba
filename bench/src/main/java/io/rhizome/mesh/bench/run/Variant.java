package io.rhizome.mesh.bench.run;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A way of setting up every proxy of one run ({@code bench/run --variant NAME}). Each variant says
 * what it adds to a Rhizome node's file and to the peers' configurations, so that a feature is
 * measured with its equivalent switched on in nginx and HAProxy too (TLS against TLS). Adding one
 * is a new constant here plus what the features need; the measurements do not change.
 */
enum Variant {
    /** Plain HTTP/1.1 between every hop, every optional feature at its default. */
    PLAIN(
            "plain HTTP/1.1 on every hop, node defaults (request metrics on; no policy resources, so round-robin,"
                    + " and only the stages that are on without a policy: default outlier detection, retry budget, one retry on"
                    + " connect-failure/reset, connect timeout 1s)",
            true),
    /**
     * Rhizome's request metrics off (nginx and HAProxy keep none by default): what metrics cost.
     */
    METRICS_OFF("as plain, with rhizome.metrics.enabled = off", true) {
        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return "metrics.enabled = off";
        }
    },
    /**
     * The JSON access log on, one line per request to the node's stdout (its log file here): what
     * it costs.
     */
    ACCESS_LOG(
            "as plain, with rhizome.access-log.enabled = on (target stdout, the node's log file here)",
            true) {
        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return "access-log { enabled = on, target = stdout }";
        }
    },
    /**
     * Rhizome's HTTP/1.1 callers' requests cross between the nodes as streams of shared HTTP/2
     * connections ({@code proxy.peer-protocol = http2}), HTTP/1.1 again toward the instance: the
     * measurement that decides that setting's default (nginx and HAProxy unchanged).
     */
    PEER_H2(
            "as plain, with rhizome.proxy.peer-protocol = http2 (HTTP/1.1 over HTTP/2 between the nodes)",
            true) {
        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return "proxy.peer-protocol = http2";
        }
    },
    /**
     * As plain, with every resilience stage of the request path configured for the service: a
     * DestinationPolicy, a RateLimit and a Route applied through the admin API (POST /v1/apply)
     * once the nodes are up, at values that never trigger under the benchmark's load, so that what
     * is measured is the cost of the stages on the path (nginx and HAProxy unchanged: their plain
     * configs).
     */
    RESILIENCE(
            "as plain, plus a DestinationPolicy (least-request, outlier detection, retry budget,"
                    + " circuit breaker, connect timeout), a RateLimit and a Route with timeout and retries for the service,"
                    + " at values that never trigger",
            true) {
        @Override
        String resources() {
            return """
                    resources = [
                      { kind = DestinationPolicy, name = bench-resilience, spec {
                          service = bench
                          load-balancer = least-request
                          outlier-detection { consecutive-errors = 1000, base-ejection = 10s, max-ejection-percent = 50 }
                          circuit-breaker { max-connections = 1000000, max-pending = 1000000, max-requests = 1000000 }
                          retry-budget { ratio = 1.0, min-per-second = 100000 }
                          connect-timeout = 5s
                      } }
                      { kind = RateLimit, name = bench-resilience, spec {
                          service = bench
                          requests-per-second = 1000000
                          burst = 1000000
                      } }
                      { kind = Route, name = bench-resilience, spec {
                          service = bench
                          rules = [ { timeout = 30s
                                      retries { attempts = 2, per-try-timeout = 10s, on = [connect-failure, reset, "5xx"] } } ]
                      } }
                    ]
                    """;
        }
    },
    /**
     * Mutual TLS on the mesh path's middle hop: Rhizome nodes with {@code tls.enabled = on} (node
     * A's outbound → node B's inbound, and cluster traffic), nginx A → nginx B and HAProxy A →
     * HAProxy B over TLS with client certificates verified on both sides. The caller's hop to the
     * first proxy (the local app's hop) and the one-hop rows stay plaintext, as Rhizome's local
     * shortcut does.
     */
    TLS(
            "mTLS on the mesh path's middle hop (proxy A → proxy B, client certificates verified both ways, EC P-256 from"
                    + " meshctl ca); the caller's hop to proxy A and the one-hop rows stay plaintext",
            true) {
        @Override
        boolean tls() {
            return true;
        }

        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return """
                    identity.service = "%s"
                      tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s" }"""
                    .formatted(identity, pki.ca(), pki.cert(identity), pki.key(identity));
        }
    };

    private final String description;
    private final boolean available;

    Variant(String description, boolean available) {
        this.description = description;
        this.available = available;
    }

    String description() {
        return description;
    }

    boolean available() {
        return available;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the mesh path's middle hop runs mutual TLS (certificates from {@link Pki}). */
    boolean tls() {
        return false;
    }

    /**
     * HOCON added inside {@code rhizome { }} of every node's file; {@code identity} is the node's
     * service identity, {@code pki} the run's certificates (null unless {@link #tls()}).
     */
    String rhizomeExtra(Pki pki, String identity) {
        return "";
    }

    /**
     * Resources applied (HOCON, the {@code meshctl apply -f} shape) once the nodes are up, before
     * anything is measured; null for none.
     */
    String resources() {
        return null;
    }

    static Variant parse(String s) {
        for (Variant v : values()) {
            if (v.id().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "--variant: \""
                        + s
                        + "\" (expected: "
                        + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", "))
                        + ")");
    }
}
