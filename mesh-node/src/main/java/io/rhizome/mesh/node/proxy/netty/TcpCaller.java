package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.PickContext;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Destination;
import io.rhizome.mesh.node.resilience.circuitbreaker.ConnectionLimit;
import io.rhizome.mesh.node.routing.SubsetFilter;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection accepted by an upstream listener of a {@code tcp} service, carried to one endpoint
 * as opaque bytes. The endpoint is chosen per connection by the service's balancer; an endpoint of
 * another node is reached through that node's inbound port ({@code CONNECT <service>:<port>}, under
 * mTLS with this node's identity when it is on), an instance of this node directly. A refused
 * connect, or a peer whose instance refused, tries another endpoint before the client sees
 * anything: the client's bytes wait in its socket, unread, until the tunnel is joined.
 */
final class TcpCaller extends ChannelInboundHandlerAdapter implements UpstreamListener {
    private static final Logger log = LoggerFactory.getLogger(TcpCaller.class);

    /** Endpoints tried per connection before it is closed. */
    private static final int MAX_ATTEMPTS = 6;

    private final ProxyContext context;
    private final String service;
    private ChannelHandlerContext ctx;
    private final Set<String> tried = new HashSet<>(4);
    private int attempts;
    private MeshEndpoint endpoint;
    private Destination destination = Destination.DEFAULT;
    private final TryOutcome outcome;
    private Channel upstream;

    /** The peer answered 200: the tunnel joins at the answer's end. */
    private boolean accepted;

    private boolean done;
    private String lastFailure = "";
    private ProxyErrors lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;

    TcpCaller(ProxyContext context, String service) {
        this.context = context;
        this.service = service;
        this.outcome = new TryOutcome(context);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        next();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) { // the client left before the tunnel was joined
            done = true;
            outcome.ignored();
            closeUpstream();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Chooses the next endpoint and connects to it, or gives up. */
    private void next() {
        if (done || !ctx.channel().isActive()) {
            return;
        }
        MeshSnapshot mesh = context.view().current();
        destination = context.destinations().forService(service);
        EndpointSelector.Pick pick =
                attempts >= MAX_ATTEMPTS
                        ? null
                        : destination.balancer() == null
                                ? context.selector().pick(mesh, service, tried, SubsetFilter.all())
                                : context.selector()
                                        .pick(
                                                mesh,
                                                service,
                                                tried,
                                                SubsetFilter.all(),
                                                destination.balancer(),
                                                pickContext());
        if (!(pick instanceof EndpointSelector.Chosen chosen)) {
            if (attempts > 0) {
                fail(lastError, lastFailure);
            } else if (pick instanceof EndpointSelector.UnknownService) {
                fail(ProxyErrors.UNKNOWN_SERVICE, "no mesh service named \"" + service + "\"");
            } else {
                fail(ProxyErrors.NO_HEALTHY_ENDPOINT, "no healthy endpoint of \"" + service + "\"");
            }
            return;
        }
        endpoint = chosen.endpoint();
        tried.add(endpoint.id());
        attempts++;
        ConnectionLimit limit = destination.connections();
        if (limit.limited() && !limit.tryOpen()) {
            fail(
                    ProxyErrors.OVERFLOW,
                    "\""
                            + service
                            + "\" has "
                            + limit.maxConnections()
                            + " connections open from this node (circuit-breaker max-connections)");
            return;
        }
        outcome.start(endpoint, destination);
        int timeout = destination.connectTimeoutMillis();
        ChannelFuture connecting;
        if (endpoint.local()) {
            // This node's own instance: the connection goes to it directly, as HTTP's local
            // shortcut.
            if (LocalAdmission.check(
                            context, service, connectRequest(), context.selfIdentity(), null)
                    instanceof LocalAdmission.Refused refused) {
                outcome.ignored();
                fail(refused.error(), refused.message());
                return;
            }
            var b =
                    context.upstream()
                            .clone(ctx.channel().eventLoop())
                            .option(ChannelOption.AUTO_READ, false)
                            .handler(new ChannelInboundHandlerAdapter());
            if (timeout > 0) {
                b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout);
            }
            connecting =
                    b.connect(
                            InetSocketAddress.createUnresolved(
                                    endpoint.address().host(), endpoint.address().port()));
        } else {
            String identity =
                    context.tls().enabled()
                            ? context.tls().expectedPeer(endpoint.identity())
                            : null;
            connecting =
                    context.pool()
                            .connect(
                                    ctx.channel().eventLoop(),
                                    endpoint.inbound(),
                                    context.settings().proxy().maxHeaderSize(),
                                    timeout,
                                    identity);
        }
        if (limit.limited()) {
            connecting.channel().closeFuture().addListener(c -> limit.closed());
        }
        MeshEndpoint tryingEndpoint = endpoint;
        connecting.addListener(
                (ChannelFuture f) -> {
                    if (done || endpoint != tryingEndpoint) {
                        f.channel().close();
                    } else if (!f.isSuccess()) {
                        refused(
                                "cannot connect to "
                                        + describe()
                                        + ": "
                                        + ProxyHandler.describe(f.cause()));
                    } else if (endpoint.local()) {
                        upstream = f.channel();
                        join();
                    } else {
                        upstream = f.channel();
                        upstream.pipeline().get(BackendHandler.class).attach(this);
                        upstream.writeAndFlush(connectRequest());
                    }
                });
    }

    /**
     * A hashing balancer's key: the client's IP under {@code hash-on { source-ip = true }}, the
     * only key a connection has.
     */
    private PickContext pickContext() {
        if (destination.spec() == null
                || !destination.spec().hasHashOn()
                || !destination.spec().getHashOn().getSourceIp()) {
            return PickContext
                    .NONE; // a header or cookie: a connection has none, so the pick is random
        }
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                        && a.getAddress() != null
                ? PickContext.ofKey(a.getAddress().getHostAddress())
                : PickContext.NONE;
    }

    /**
     * What the peer's inbound port is asked: the service, and the instance's port as this node sees
     * it.
     */
    private HttpRequest connectRequest() {
        String target = service + ":" + endpoint.address().port();
        DefaultFullHttpRequest r =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, target);
        r.headers().set(HttpHeaderNames.HOST, target);
        return r;
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code == 200) {
                accepted = true;
            } else {
                ProxyErrors peer = ProxyErrors.of(code, response.headers().get(ProxyErrors.HEADER));
                String why =
                        describe()
                                + " answered "
                                + code
                                + (peer != null ? " " + peer.reason() : "");
                ReferenceCountUtil.release(msg);
                if (peer == ProxyErrors.UPSTREAM_CONNECT_FAILURE) {
                    refused(why); // its instance refused, or it drains: nothing reached an instance
                } else {
                    outcome.ignored();
                    closeUpstream();
                    fail(peer != null ? peer : ProxyErrors.UPSTREAM_RESET, why);
                }
                return;
            }
        }
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (accepted && last) {
            join();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (!done) {
            refused(describe() + " closed the connection before accepting it");
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        // nothing flows before the join
    }

    private void join() {
        done = true;
        outcome.succeeded();
        Channel client = ctx.channel();
        String peer =
                endpoint.local() ? endpoint.address().toString() : endpoint.inbound().toString();
        Tunnel.join(
                client,
                this,
                upstream,
                context.settings().proxy().tunnelIdleTimeout().toMillis(),
                context.tunnels(),
                context.tcpStats().opened(Direction.OUTBOUND, service, MeshEndpoint.TCP, "", peer));
    }

    /**
     * Nothing reached an instance: the endpoint is ejected at once, as for HTTP, and the next one
     * tried.
     */
    private void refused(String why) {
        lastFailure = why;
        lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
        closeUpstream();
        outcome.refused();
        next();
    }

    private void fail(ProxyErrors error, String why) {
        done = true;
        context.tcpStats()
                .failed(Direction.OUTBOUND, service, MeshEndpoint.TCP, "", error.reason());
        log.debug("connection to {} closed: {}", service, why);
        ctx.close();
    }

    private void closeUpstream() {
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            BackendHandler backend = up.pipeline().get(BackendHandler.class);
            if (backend != null) {
                backend.attach(null);
            }
            up.close();
        }
    }

    private String describe() {
        return endpoint.id()
                + " at "
                + (endpoint.local() ? endpoint.address() : endpoint.inbound());
    }
}
