package io.rhizome.mesh.node.proxy;

import io.rhizome.mesh.node.observability.DataPlaneSource;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.observability.metrics.Http2Stats;
import io.rhizome.mesh.node.security.authz.AuthorizationStats;
import java.time.Duration;

/**
 * The request path: the outbound listener the local app calls and the inbound listener peers call.
 * It reads routing state only from {@code MeshView} snapshots, never from an actor, and it outlives
 * the cluster-facing ActorSystem. The HTTP engine behind it is one package ({@code proxy.netty},
 * whose {@code NettyDataPlane.create} builds one); this interface does not know it. See
 * docs/decisions.md for why it is Netty.
 */
public interface DataPlane extends DataPlaneSource, AutoCloseable {

    /** Binds both listeners; a port in use is a {@link BindFailure} naming it. */
    void start();

    /**
     * Who sees each finished request (metrics, access log, stat, tap); register before or after
     * start.
     */
    @Override
    RequestObservers observers();

    /**
     * The RateLimits this data plane enforces; global ones take their shares from the control
     * plane's gossip.
     */
    io.rhizome.mesh.node.resilience.ratelimit.RateLimits rateLimits();

    /** Each destination service's policy and circuit-breaker counters on this node, for metrics. */
    @Override
    io.rhizome.mesh.node.resilience.DestinationPolicies destinations();

    /**
     * Authorization decisions of this node's services so far (403 denials per service), for
     * metrics.
     */
    @Override
    AuthorizationStats authorizationStats();

    /**
     * RST_STREAM and GOAWAY frames the HTTP/2 listeners sent, by port and error code, for metrics.
     */
    @Override
    Http2Stats http2Stats();

    /**
     * The workload identity ({@code spiffe://D/service/NAME}) of this node's own apps: the caller
     * that Authorizations see on the local shortcut. Unset (null) without mTLS.
     */
    void selfIdentity(String spiffeId);

    /** Requests being proxied right now, on both listeners. */
    @Override
    int inFlight();

    /**
     * While draining, responses on the inbound port carry {@code Connection: close} and HTTP/2
     * connections get GOAWAY, so that peers drop pooled connections to this node before it exits.
     */
    void drain();

    /**
     * Stops accepting, waits for in-flight requests up to {@code grace}, then closes everything.
     */
    void stop(Duration grace);

    @Override
    default void close() {
        stop(Duration.ZERO);
    }
}
