package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.health.outlier.EjectionDecision;
import io.rhizome.mesh.node.loadbalancing.Outstanding;
import io.rhizome.mesh.node.resilience.Destination;

/**
 * What one try tells about its endpoint: the balancer's outstanding mark (least-request counts it,
 * latency-aware balancers learn from it) and the outlier detection's verdict. A try starts with
 * {@link #start} and ends with exactly one outcome; later outcomes are ignored, so a try that ends
 * twice (a timeout, then the close it caused) counts once.
 */
final class TryOutcome {
    private final ProxyContext context;
    private Outstanding outstanding;
    private MeshEndpoint endpoint;
    private Destination destination = Destination.DEFAULT;

    TryOutcome(ProxyContext context) {
        this.context = context;
    }

    /** A try of {@code endpoint} starts; an unfinished earlier one ends as ignored. */
    void start(MeshEndpoint endpoint, Destination destination) {
        ignored();
        this.endpoint = endpoint;
        this.destination = destination;
        this.outstanding = context.destinations().stats().start(endpoint.id());
    }

    /**
     * The try was answered (a response head below 500, a tunnel joined): a latency sample up to
     * now.
     */
    void succeeded() {
        Outstanding o = take();
        if (o != null) {
            o.success();
            context.selector().ejections().succeeded(endpoint.id());
        }
    }

    /** The try failed (reset, 5xx, timeout); true when that ejected the endpoint. */
    boolean failed() {
        Outstanding o = take();
        if (o == null) {
            return false;
        }
        o.failure();
        return context.selector()
                        .ejections()
                        .failed(
                                endpoint.id(),
                                destination.outlier(),
                                context.view().current().endpoints(endpoint.service()))
                == EjectionDecision.EJECTED;
    }

    /**
     * The try's connection was refused or timed out, or the peer's instance refused it: ejected at
     * once; true when it was.
     */
    boolean refused() {
        Outstanding o = take();
        if (o == null) {
            return false;
        }
        o.failure();
        return context.selector()
                        .ejections()
                        .refused(
                                endpoint.id(),
                                destination.outlier(),
                                context.view().current().endpoints(endpoint.service()))
                == EjectionDecision.EJECTED;
    }

    /**
     * The try's end says nothing about the endpoint (the client left, a stale pooled connection).
     */
    void ignored() {
        Outstanding o = take();
        if (o != null) {
            o.ignore();
        }
    }

    private Outstanding take() {
        Outstanding o = outstanding;
        outstanding = null;
        return o;
    }
}
