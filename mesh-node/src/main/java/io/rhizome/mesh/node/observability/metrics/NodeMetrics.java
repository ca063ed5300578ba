package io.rhizome.mesh.node.observability.metrics;

import io.rhizome.mesh.node.discovery.MemberView;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.DataPlaneSource;
import io.rhizome.mesh.node.observability.TcpStats;
import io.rhizome.mesh.node.policy.PolicySnapshot;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.resilience.circuitbreaker.CircuitBreakerState;
import io.rhizome.mesh.node.security.tls.TlsStats;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Everything {@code GET /metrics} shows: the request counters (when on), and at scrape time, from
 * the published snapshots (no actor is asked): in-flight requests, cluster members by status,
 * endpoints and their ejections, circuit-breaker limits, Distributed Data entries, policy change
 * age, and the JVM. Other parts of the node add their own counters with {@link #counter}.
 */
public final class NodeMetrics {
    private static final List<String> MEMBER_STATUSES =
            List.of("Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed");

    private final Optional<RequestMetrics> requests;
    private final MeshView view;
    private final PolicyView policy;
    private final EndpointSelector selector;
    private final DataPlaneSource dataPlane;
    private final TlsStats tls;
    private final CopyOnWriteArrayList<Extra> extras = new CopyOnWriteArrayList<>();

    private record Ejected(String service, String endpoint, boolean ejected) {}

    private record Extra(String name, String type, String help, LongSupplier value) {}

    /**
     * @param requests the request counters, registered as an observer of the data plane; empty when
     *     {@code rhizome.metrics.enabled = off} (the request families are then absent)
     */
    public NodeMetrics(
            Optional<RequestMetrics> requests,
            MeshView view,
            PolicyView policy,
            EndpointSelector selector,
            DataPlaneSource dataPlane,
            TlsStats tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        this.requests = Objects.requireNonNull(requests, "requests");
        this.view = Objects.requireNonNull(view, "view");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.selector = Objects.requireNonNull(selector, "selector");
        this.dataPlane = Objects.requireNonNull(dataPlane, "dataPlane");
    }

    /**
     * Adds a counter read at scrape time (a name ending in {@code _total}, e.g. TLS handshake
     * failures).
     */
    public void counter(String name, String help, LongSupplier value) {
        extras.add(new Extra(name, "counter", help, value));
    }

    /** Adds a gauge read at scrape time. */
    public void gauge(String name, String help, LongSupplier value) {
        extras.add(new Extra(name, "gauge", help, value));
    }

    /** The Prometheus text exposition format (0.0.4) content type. */
    public static String contentType() {
        return PrometheusText.CONTENT_TYPE;
    }

    /** The whole exposition, as of now. */
    public String scrape() {
        PrometheusText out = new PrometheusText();
        requests.ifPresent(r -> r.write(out));
        out.family(
                        "rhizome_requests_in_flight",
                        "gauge",
                        "Requests being proxied now, on both listeners.")
                .sample("rhizome_requests_in_flight", dataPlane.inFlight());
        out.family(
                "rhizome_authorization_denied_total",
                "counter",
                "Requests to this node's services refused by an Authorization (403 forbidden), by service.");
        dataPlane
                .authorizationStats()
                .deniedByService()
                .forEach(
                        (service, n) ->
                                out.sample(
                                        "rhizome_authorization_denied_total",
                                        n,
                                        "service",
                                        service));
        MeshSnapshot mesh = view.current();
        PolicySnapshot current = policy.current();
        cluster(out, mesh);
        circuitBreakers(out);
        ddata(out, mesh, current);
        policy(out, current);
        out.family(
                "rhizome_http2_frames_sent_total",
                "counter",
                "RST_STREAM and GOAWAY frames the HTTP/2 listeners sent, by port and error code (refused streams,"
                        + " protocol errors, floods cut off with enhance_your_calm, cancelled streams).");
        dataPlane
                .http2Stats()
                .forEach(
                        (frame, port, error, n) ->
                                out.sample(
                                        "rhizome_http2_frames_sent_total",
                                        n,
                                        "frame",
                                        frame,
                                        "port",
                                        port,
                                        "error",
                                        error));
        tcp(out);
        out.family(
                        "rhizome_tls_handshake_failures_total",
                        "counter",
                        "Failed TLS handshakes: on the inbound port, to peers' inbound ports (upstream), of cluster connections,"
                                + " and of admin API clients (rhizome.admin.tls).")
                .sample(
                        "rhizome_tls_handshake_failures_total",
                        tls.inboundHandshakeFailures(),
                        "side",
                        "inbound")
                .sample(
                        "rhizome_tls_handshake_failures_total",
                        tls.upstreamHandshakeFailures(),
                        "side",
                        "upstream")
                .sample(
                        "rhizome_tls_handshake_failures_total",
                        tls.clusterHandshakeFailures(),
                        "side",
                        "cluster")
                .sample(
                        "rhizome_tls_handshake_failures_total",
                        tls.adminHandshakeFailures(),
                        "side",
                        "admin");
        out.family(
                        "rhizome_tls_reloads_total",
                        "counter",
                        "Certificate material reloaded (changed files or a renewal).")
                .sample("rhizome_tls_reloads_total", tls.reloads());
        out.family(
                        "rhizome_tls_reload_failures_total",
                        "counter",
                        "Changed certificate files that did not load.")
                .sample("rhizome_tls_reload_failures_total", tls.reloadFailures());
        for (Extra e : extras) {
            out.family(e.name(), e.type(), e.help()).sample(e.name(), e.value().getAsLong());
        }
        JvmMetrics.write(out);
        return out.toString();
    }

    /**
     * Connections carried as bytes (opaque TCP, WebSockets and other upgrades, CONNECT tunnels), by
     * direction and service; bytes and durations are added when a connection closes.
     */
    private void tcp(PrometheusText out) {
        List<Object[]> series = new ArrayList<>();
        dataPlane
                .tcpStats()
                .forEach(
                        (direction, service, c) ->
                                series.add(new Object[] {direction, service, c}));
        series.sort(
                java.util.Comparator.comparing((Object[] s) -> (String) s[0])
                        .thenComparing(s -> (String) s[1]));
        String[][] counters = {
            {
                "rhizome_tcp_connections_opened_total",
                "counter",
                "Connections joined to an instance (or a peer), by direction and service."
            },
            {"rhizome_tcp_connections_closed_total", "counter", "Joined connections that closed."},
            {
                "rhizome_tcp_connections_failed_total",
                "counter",
                "Connections that could not be carried: no endpoint, every endpoint refused, not allowed, unknown service."
            },
            {"rhizome_tcp_connections_open", "gauge", "Joined connections open now."},
            {
                "rhizome_tcp_received_bytes_total",
                "counter",
                "Bytes from the caller's side toward the instance, of closed connections."
            },
            {
                "rhizome_tcp_sent_bytes_total",
                "counter",
                "Bytes from the instance's side toward the caller, of closed connections."
            },
        };
        for (int i = 0; i < counters.length; i++) {
            String name = counters[i][0];
            out.family(name, counters[i][1], counters[i][2]);
            for (Object[] s : series) {
                TcpStats.Counters c = (TcpStats.Counters) s[2];
                long v =
                        switch (i) {
                            case 0 -> c.opened.sum();
                            case 1 -> c.closed.sum();
                            case 2 -> c.failed.sum();
                            case 3 -> c.open();
                            case 4 -> c.bytesFromClient.sum();
                            default -> c.bytesToClient.sum();
                        };
                out.sample(name, v, "direction", (String) s[0], "service", (String) s[1]);
            }
        }
        String h = "rhizome_tcp_connection_duration_seconds";
        out.family(h, "histogram", "How long closed connections lasted.");
        for (Object[] s : series) {
            TcpStats.Counters c = (TcpStats.Counters) s[2];
            long cumulative = 0;
            for (int b = 0; b < TcpStats.DURATION_BOUNDS.length; b++) {
                cumulative += c.durationBuckets[b].sum();
                out.sample(
                        h + "_bucket",
                        cumulative,
                        "direction",
                        (String) s[0],
                        "service",
                        (String) s[1],
                        "le",
                        PrometheusText.le(TcpStats.DURATION_BOUNDS[b]));
            }
            out.sample(
                    h + "_sum",
                    c.durationMicros.sum() / 1e6,
                    "direction",
                    (String) s[0],
                    "service",
                    (String) s[1]);
            out.sample(
                    h + "_count", cumulative, "direction", (String) s[0], "service", (String) s[1]);
        }
    }

    private void cluster(PrometheusText out, MeshSnapshot mesh) {
        Map<String, Integer> byStatus = new TreeMap<>();
        MEMBER_STATUSES.forEach(s -> byStatus.put(s, 0));
        int unreachable = 0;
        for (MemberView m : mesh.members()) {
            byStatus.merge(m.status(), 1, Integer::sum);
            if (!m.reachable()) {
                unreachable++;
            }
        }
        out.family(
                "rhizome_cluster_members", "gauge", "Cluster members this node sees, by status.");
        byStatus.forEach((status, n) -> out.sample("rhizome_cluster_members", n, "status", status));
        out.family(
                        "rhizome_cluster_unreachable_members",
                        "gauge",
                        "Members this node's failure detector cannot reach.")
                .sample("rhizome_cluster_unreachable_members", unreachable);

        out.family(
                "rhizome_service_endpoints",
                "gauge",
                "Endpoints of each mesh service (state=all), and those this node routes to now (state=routable).");
        Map<String, Integer> ejected = new TreeMap<>();
        List<Ejected> byEndpoint = new ArrayList<>();
        for (Map.Entry<String, List<MeshEndpoint>> e : new TreeMap<>(mesh.services()).entrySet()) {
            int routable = 0;
            int ejectedNow = 0;
            for (MeshEndpoint ep : e.getValue()) {
                if (selector.exclusionReason(ep).isEmpty()) {
                    routable++;
                }
                boolean isOut = selector.ejections().isEjected(ep.id());
                if (isOut) {
                    ejectedNow++;
                }
                byEndpoint.add(new Ejected(e.getKey(), ep.id(), isOut));
            }
            out.sample(
                    "rhizome_service_endpoints",
                    e.getValue().size(),
                    "service",
                    e.getKey(),
                    "state",
                    "all");
            out.sample(
                    "rhizome_service_endpoints",
                    routable,
                    "service",
                    e.getKey(),
                    "state",
                    "routable");
            ejected.put(e.getKey(), ejectedNow);
        }
        out.family(
                "rhizome_outlier_ejected_endpoints",
                "gauge",
                "Endpoints of each service ejected by outlier detection now.");
        ejected.forEach(
                (service, n) ->
                        out.sample("rhizome_outlier_ejected_endpoints", n, "service", service));
        out.family(
                "rhizome_endpoint_ejected",
                "gauge",
                "1 while outlier detection keeps the endpoint (node/service) out of this node's balancing: ejected by this node or by another node's shared ejection.");
        byEndpoint.sort(java.util.Comparator.comparing(Ejected::endpoint));
        for (Ejected a : byEndpoint) {
            out.sample(
                    "rhizome_endpoint_ejected",
                    a.ejected() ? 1 : 0,
                    "service",
                    a.service(),
                    "endpoint",
                    a.endpoint());
        }
    }

    private void circuitBreakers(PrometheusText out) {
        List<CircuitBreakerState> states = dataPlane.destinations().circuitBreakers();
        out.family(
                "rhizome_circuit_breaker_open",
                "gauge",
                "1 while a destination's circuit-breaker limit (requests, connections, pending) is reached on this node: new requests are refused (503 overflow) or wait.");
        for (CircuitBreakerState c : states) {
            out.sample(
                    "rhizome_circuit_breaker_open",
                    c.open() ? 1 : 0,
                    "service",
                    c.service(),
                    "limit",
                    c.limit());
        }
        out.family(
                "rhizome_circuit_breaker_remaining",
                "gauge",
                "Room left under each circuit-breaker limit of a DestinationPolicy (max minus in use; 0 when open).");
        for (CircuitBreakerState c : states) {
            out.sample(
                    "rhizome_circuit_breaker_remaining",
                    Math.max(0, c.max() - c.inUse()),
                    "service",
                    c.service(),
                    "limit",
                    c.limit());
        }
    }

    private static void ddata(PrometheusText out, MeshSnapshot mesh, PolicySnapshot policy) {
        int endpoints = 0;
        for (List<MeshEndpoint> e : mesh.services().values()) {
            endpoints += e.size();
        }
        out.family(
                        "rhizome_ddata_entries",
                        "gauge",
                        "Distributed Data entries this node holds: registry endpoints, and policy resources by kind (tombstones included).")
                .sample("rhizome_ddata_entries", endpoints, "data", "registry", "kind", "Endpoint");
        policy.byKind()
                .forEach(
                        (kind, resources) ->
                                out.sample(
                                        "rhizome_ddata_entries",
                                        resources.size(),
                                        "data",
                                        "policy",
                                        "kind",
                                        kind));
    }

    private void policy(PrometheusText out, PolicySnapshot snapshot) {
        long newestVersion = 0;
        for (Map.Entry<String, Map<String, Resource>> kind : snapshot.byKind().entrySet()) {
            for (Resource r : kind.getValue().values()) {
                newestVersion = Math.max(newestVersion, r.getVersion().getPhysicalMillis());
            }
        }
        out.family(
                        "rhizome_policy_resources",
                        "gauge",
                        "Live policy resources (Routes, DestinationPolicies, ...) on this node.")
                .sample("rhizome_policy_resources", snapshot.liveCount());
        long changed = policy.changedAtMillis();
        out.family(
                        "rhizome_policy_last_change_age_seconds",
                        "gauge",
                        "Seconds since this node last saw the policy change (NaN: not since it started).")
                .sample(
                        "rhizome_policy_last_change_age_seconds",
                        changed == 0
                                ? Double.NaN
                                : (System.currentTimeMillis() - changed) / 1000.0);
        out.family(
                        "rhizome_policy_convergence_lag_seconds",
                        "gauge",
                        "At the last policy change this node saw: seconds from the newest resource version's time to seeing it.")
                .sample(
                        "rhizome_policy_convergence_lag_seconds",
                        changed == 0 || newestVersion == 0
                                ? Double.NaN
                                : Math.max(0, changed - newestVersion) / 1000.0);
    }
}
