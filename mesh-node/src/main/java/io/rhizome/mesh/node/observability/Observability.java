package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.config.ObservabilitySettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.accesslog.AccessLog;
import io.rhizome.mesh.node.observability.metrics.NodeMetrics;
import io.rhizome.mesh.node.observability.metrics.RequestMetrics;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.node.security.tls.TlsStats;
import java.util.Optional;

/**
 * What a node records about its requests, attached to its data plane as configured: the request
 * metrics ({@code rhizome.metrics}) and the access log ({@code rhizome.access-log}).
 */
public final class Observability {
    private final NodeMetrics metrics;
    private final Optional<AccessLog> accessLog;

    private Observability(NodeMetrics metrics, Optional<AccessLog> accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    public static Observability attach(String node, ObservabilitySettings settings, DataPlane dataPlane, MeshView view,
            PolicyView policy, EndpointSelector selector, TlsStats tls) {
        Optional<RequestMetrics> requests = Optional.empty();
        if (settings.metricsEnabled()) {
            RequestMetrics m = RequestMetrics.create(settings.maxSeries());
            dataPlane.observers().register(m);
            requests = Optional.of(m);
        }
        Optional<AccessLog> accessLog = Optional.empty();
        if (settings.accessLogEnabled()) {
            AccessLog log = AccessLog.start(node, settings.accessLogTarget());
            dataPlane.observers().register(log);
            accessLog = Optional.of(log);
        }
        return new Observability(new NodeMetrics(requests, view, policy, selector, dataPlane, tls), accessLog);
    }

    /** Writes the access log's queued lines and closes it (after the data plane stopped). */
    public void close() {
        accessLog.ifPresent(AccessLog::close);
    }

    /** What {@code GET /metrics} serves. */
    public NodeMetrics metrics() {
        return metrics;
    }
}
