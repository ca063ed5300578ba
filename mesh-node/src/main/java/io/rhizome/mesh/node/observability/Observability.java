package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.config.ObservabilitySettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.accesslog.AccessLog;
import io.rhizome.mesh.node.observability.metrics.NodeMetrics;
import io.rhizome.mesh.node.observability.metrics.RequestMetrics;
import io.rhizome.mesh.node.observability.tracing.OtlpExporter;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.security.tls.TlsStats;
import java.util.Optional;

/**
 * What a node records about its requests, attached to its data plane as configured: the request
 * metrics ({@code rhizome.metrics}) and the access log ({@code rhizome.access-log}).
 */
public final class Observability {
    private final NodeMetrics metrics;
    private final Optional<AccessLog> accessLog;
    private final Optional<OtlpExporter> spans;

    private Observability(
            NodeMetrics metrics, Optional<AccessLog> accessLog, Optional<OtlpExporter> spans) {
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.spans = spans;
    }

    /**
     * @param identity the node's workload identity (the exported spans' {@code service.name})
     * @param localCaller the caller of this node's outbound requests in the metrics: its workload
     *     service ({@code identity.service}, else its only local service), {@code ""} when unknown
     */
    public static Observability attach(
            String node,
            String identity,
            String localCaller,
            ObservabilitySettings settings,
            DataPlaneSource dataPlane,
            MeshView view,
            PolicyView policy,
            EndpointSelector selector,
            TlsStats tls) {
        Optional<RequestMetrics> requests = Optional.empty();
        if (settings.metricsEnabled()) {
            RequestMetrics m = RequestMetrics.create(settings.maxSeries(), localCaller);
            dataPlane.observers().register(m);
            requests = Optional.of(m);
        }
        Optional<AccessLog> accessLog = Optional.empty();
        if (settings.accessLogEnabled()) {
            AccessLog log = AccessLog.start(node, settings.accessLogTarget());
            dataPlane.observers().register(log);
            // A connection carried as bytes is one line when it closes: its kind as the method,
            // bytes each way.
            dataPlane.tcpStats().connections().register(log);
            accessLog = Optional.of(log);
        }
        Optional<OtlpExporter> spans = Optional.empty();
        NodeMetrics metrics = new NodeMetrics(requests, view, policy, selector, dataPlane, tls);
        accessLog.ifPresent(
                log -> {
                    metrics.counter(
                            "rhizome_access_log_lines_total",
                            "Access-log lines written.",
                            log::written);
                    metrics.counter(
                            "rhizome_access_log_dropped_total",
                            "Access-log lines dropped: the queue was full (the target was slower than the traffic) or a write failed.",
                            log::dropped);
                });
        if (!settings.otlpEndpoint().isEmpty()) {
            OtlpExporter exporter = OtlpExporter.start(settings.otlpEndpoint(), node, identity);
            dataPlane.observers().register(exporter);
            metrics.counter(
                    "rhizome_spans_exported_total",
                    "Spans the OTLP collector accepted.",
                    exporter::exported);
            metrics.counter(
                    "rhizome_spans_dropped_total",
                    "Spans dropped: the export queue was full or the collector did not accept them.",
                    exporter::dropped);
            spans = Optional.of(exporter);
        }
        return new Observability(metrics, accessLog, spans);
    }

    /** Writes the access log's queued lines and closes it (after the data plane stopped). */
    public void close() {
        spans.ifPresent(OtlpExporter::close);
        accessLog.ifPresent(AccessLog::close);
    }

    /** What {@code GET /metrics} serves. */
    public NodeMetrics metrics() {
        return metrics;
    }
}
