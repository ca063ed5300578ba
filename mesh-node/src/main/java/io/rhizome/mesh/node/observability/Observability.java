package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.config.ObservabilitySettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.metrics.NodeMetrics;
import io.rhizome.mesh.node.observability.metrics.RequestMetrics;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.DataPlane;
import java.util.Optional;

/**
 * What a node records about its requests, attached to its data plane as configured: the request
 * metrics ({@code rhizome.metrics}) and the access log ({@code rhizome.access-log}).
 */
public final class Observability {
    private final NodeMetrics metrics;

    private Observability(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    public static Observability attach(ObservabilitySettings settings, DataPlane dataPlane, MeshView view,
            PolicyView policy, EndpointSelector selector) {
        Optional<RequestMetrics> requests = Optional.empty();
        if (settings.metricsEnabled()) {
            RequestMetrics m = RequestMetrics.create(settings.maxSeries());
            dataPlane.observers().register(m);
            requests = Optional.of(m);
        }
        return new Observability(new NodeMetrics(requests, view, policy, selector, dataPlane));
    }

    /** What {@code GET /metrics} serves. */
    public NodeMetrics metrics() {
        return metrics;
    }
}
