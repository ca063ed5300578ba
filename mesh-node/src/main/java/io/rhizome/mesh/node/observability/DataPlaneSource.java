package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.observability.metrics.Http2Stats;
import io.rhizome.mesh.node.resilience.DestinationPolicies;
import io.rhizome.mesh.node.security.authz.AuthorizationStats;

/**
 * What observability needs of the data plane: where finished requests are handed, and the figures
 * read at scrape time. The data plane implements it, so observability never depends on the proxy.
 */
public interface DataPlaneSource {
    /** Who sees each finished request (metrics, access log, stat, tap). */
    RequestObservers observers();

    /** Requests being proxied right now, on both listeners. */
    int inFlight();

    /** Connections carried as bytes (opaque TCP, upgrades, CONNECT), by direction and service. */
    TcpStats tcpStats();

    /**
     * Connections carried as bytes right now: WebSockets and other upgrades, CONNECT tunnels,
     * opaque TCP.
     */
    int openTunnels();

    /** Authorization decisions of this node's services so far (403 denials per service). */
    AuthorizationStats authorizationStats();

    /** RST_STREAM and GOAWAY frames the HTTP/2 listeners sent, by port and error code. */
    Http2Stats http2Stats();

    /** Each destination service's policy and circuit-breaker counters on this node. */
    DestinationPolicies destinations();
}
