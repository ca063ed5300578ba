package io.rhizome.mesh.node.proxy;

import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.security.authz.AuthorizationStats;
import io.rhizome.mesh.node.proxy.netty.NettyDataPlane;
import io.rhizome.mesh.node.security.tls.MeshTls;
import java.time.Duration;

/**
 * The request path: the outbound listener the local app calls and the inbound listener peers
 * call. It reads routing state only from {@link MeshView} snapshots, never from an actor, and it
 * outlives the cluster-facing ActorSystem. The HTTP engine behind it is one package
 * ({@code proxy.netty}); see docs/decisions.md for why it is Netty.
 */
public interface DataPlane extends AutoCloseable {

    static DataPlane create(NodeSettings settings, MeshView view, EndpointSelector selector, PolicyView policy) {
        return create(settings, view, selector, policy, MeshTls.disabled());
    }

    /** With {@code tls} enabled, the inbound port speaks mTLS only and calls to peers use it. */
    static DataPlane create(NodeSettings settings, MeshView view, EndpointSelector selector, PolicyView policy,
            MeshTls tls) {
        return NettyDataPlane.create(settings, view, selector, policy, tls);
    }

    /** A data plane with no policy resources (round robin, mesh defaults). */
    static DataPlane create(NodeSettings settings, MeshView view, EndpointSelector selector) {
        return create(settings, view, selector, new PolicyView());
    }

    /** Binds both listeners; a port in use is a {@link BindFailure} naming it. */
    void start();

    /** Who sees each finished request (metrics, access log, stat, tap); register before or after start. */
    RequestObservers observers();

    /** The RateLimits this data plane enforces; global ones take their shares from the control plane's gossip. */
    io.rhizome.mesh.node.resilience.ratelimit.RateLimits rateLimits();

    /** Each destination service's policy and circuit-breaker counters on this node, for metrics. */
    io.rhizome.mesh.node.resilience.DestinationPolicies destinations();

    /** Authorization decisions of this node's services so far (403 denials per service), for metrics. */
    AuthorizationStats authorizationStats();

    /** RST_STREAM and GOAWAY frames the HTTP/2 listeners sent, by port and error code, for metrics. */
    Http2Stats http2Stats();

    /**
     * The workload identity ({@code spiffe://D/service/NAME}) of this node's own apps: the caller that
     * Authorizations see on the local shortcut. Unset (null) without mTLS.
     */
    void selfIdentity(String spiffeId);

    /** Requests being proxied right now, on both listeners. */
    int inFlight();

    /**
     * While draining, responses on the inbound port carry {@code Connection: close} so that peers
     * drop pooled connections to this node before it exits.
     */
    void drain();

    /** Stops accepting, waits for in-flight requests up to {@code grace}, then closes everything. */
    void stop(Duration grace);

    @Override
    default void close() {
        stop(Duration.ZERO);
    }
}
