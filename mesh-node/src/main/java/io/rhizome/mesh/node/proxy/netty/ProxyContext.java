package io.rhizome.mesh.node.proxy.netty;

import io.netty.bootstrap.Bootstrap;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.EndpointStats;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.observability.TcpStats;
import io.rhizome.mesh.node.observability.metrics.Http2Stats;
import io.rhizome.mesh.node.observability.tracing.TraceContext;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.resilience.DestinationPolicies;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.security.authz.Authorizations;
import io.rhizome.mesh.node.security.tls.MeshTls;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection handler of one data plane shares. Read-mostly; counters are atomic. */
final class ProxyContext {
    private final NodeSettings settings;
    private final MeshView view;
    private final EndpointSelector selector;
    private final PolicyView policy;
    private final Bootstrap upstream;
    private final AtomicInteger inFlight;
    private final AtomicInteger tunnels = new AtomicInteger();
    private final TcpStats tcpStats = new TcpStats();
    private final UpstreamPool pool;
    private final Http2Upstreams http2;
    private final Http2Stats http2Stats = new Http2Stats();
    private final DestinationPolicies destinations;
    private final RateLimits rateLimits;
    private final TraceContext tracing;
    private final Authorizations authorizations;

    /**
     * The workload identity of this node's own apps: the caller on the local shortcut; null without
     * TLS.
     */
    private volatile String selfIdentity;

    private final RequestObservers observers = new RequestObservers();
    private final MeshTls tls;
    private volatile boolean draining;

    ProxyContext(
            NodeSettings settings,
            MeshView view,
            EndpointSelector selector,
            PolicyView policy,
            Bootstrap upstream,
            AtomicInteger inFlight,
            MeshTls tls) {
        this.tls = tls;
        this.settings = settings;
        this.policy = policy;
        this.view = view;
        this.selector = selector;
        this.upstream = upstream;
        this.inFlight = inFlight;
        this.pool = new UpstreamPool(upstream, settings.proxy().idleTimeout(), tls);
        this.http2 =
                new Http2Upstreams(
                        upstream,
                        pool,
                        tls,
                        settings.proxy().idleTimeout().toMillis(),
                        settings.proxy().maxHeaderSize(),
                        settings.proxy().connectTimeout().toMillis());
        this.destinations = DestinationPolicies.create(policy, EndpointStats.create());
        this.rateLimits =
                RateLimits.create(
                        policy,
                        System::nanoTime,
                        service -> view.current().endpoints(service).size());
        this.tracing = TraceContext.create(settings.observability().sampleRatio());
        this.authorizations = Authorizations.create(policy, settings.authorizationDefaultDeny());
    }

    NodeSettings settings() {
        return settings;
    }

    MeshView view() {
        return view;
    }

    EndpointSelector selector() {
        return selector;
    }

    PolicyView policy() {
        return policy;
    }

    Bootstrap upstream() {
        return upstream;
    }

    AtomicInteger inFlight() {
        return inFlight;
    }

    TcpStats tcpStats() {
        return tcpStats;
    }

    /** Tunnels (CONNECT, Upgrade, opaque TCP) open now: a drain waits for them as for requests. */
    AtomicInteger tunnels() {
        return tunnels;
    }

    /**
     * Per service: its DestinationPolicy's balancer, connect timeout and limits (one EndpointStats
     * per data plane).
     */
    DestinationPolicies destinations() {
        return destinations;
    }

    /**
     * The RateLimits of the services this node fronts, enforced where requests reach a local
     * instance.
     */
    /** W3C trace context for each request (always on). */
    TraceContext tracing() {
        return tracing;
    }

    RateLimits rateLimits() {
        return rateLimits;
    }

    /**
     * The Authorizations of the services this node fronts, enforced where requests reach a local
     * instance.
     */
    Authorizations authorizations() {
        return authorizations;
    }

    String selfIdentity() {
        return selfIdentity;
    }

    void selfIdentity(String spiffeId) {
        selfIdentity = spiffeId;
    }

    /** Called once per finished request; see RequestRecord. */
    RequestObservers observers() {
        return observers;
    }

    /**
     * The node's mTLS (disabled: plaintext): the inbound port's and calls to peers' inbound ports.
     */
    MeshTls tls() {
        return tls;
    }

    UpstreamPool pool() {
        return pool;
    }

    /** RST_STREAM and GOAWAY frames the listeners sent. */
    Http2Stats http2Stats() {
        return http2Stats;
    }

    /** HTTP/2 connections to upstreams, shared by many requests' streams. */
    Http2Upstreams http2() {
        return http2;
    }

    /**
     * Whether the instances of {@code service}, a service of this node, are called over HTTP/2
     * whatever the caller spoke.
     */
    boolean speaksHttp2(String service) {
        ServiceSettings s = localService(service);
        return s != null && s.protocol() == ServiceSettings.Protocol.HTTP2;
    }

    /** The service of this node named {@code name}, or null. */
    ServiceSettings localService(String name) {
        for (ServiceSettings s : settings.services()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /**
     * A host as callers name a service ({@code orders} or {@code orders.mesh}) without the mesh
     * suffix.
     */
    String serviceName(String host) {
        String suffix = settings.outbound().meshSuffix();
        return !suffix.isEmpty() && host.endsWith("." + suffix)
                ? host.substring(0, host.length() - suffix.length() - 1)
                : host;
    }

    boolean draining() {
        return draining;
    }

    void draining(boolean value) {
        draining = value;
    }
}
