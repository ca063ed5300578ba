package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.health.outlier.EjectionDecision;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.Outstanding;
import io.rhizome.mesh.node.loadbalancing.PickContext;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.proxy.HopByHop;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Deadline;
import io.rhizome.mesh.node.resilience.Destination;
import io.rhizome.mesh.node.resilience.retry.RetryBudget;
import io.rhizome.mesh.node.resilience.RequestLimit;
import io.rhizome.mesh.node.resilience.circuitbreaker.ConnectionLimit;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.routing.BackendPick;
import io.rhizome.mesh.node.routing.RouteBackend;
import io.rhizome.mesh.node.routing.RouteDecision;
import io.rhizome.mesh.node.routing.RoutedRule;
import io.rhizome.mesh.node.routing.SubsetFilter;
import io.rhizome.mesh.node.security.PeerIdentity;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One client connection on the outbound or inbound port. Requests are proxied one at a time per
 * connection (pipelined requests wait in order); bodies stream both ways with backpressure: when
 * the side being written to is full, reading from the other side pauses.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamListener {

    enum Mode { OUTBOUND, INBOUND }

    /** Connection attempts per request; a refused connection never costs the request while endpoints remain. */
    private static final int MAX_ATTEMPTS = 6;
    private static final int MAX_PIPELINED = 64;
    /**
     * Reading from the client pauses only for a request body that cannot be sent yet or when this
     * many pipelined requests wait: toggling it per request costs two epoll_ctl calls each time.
     */
    private static final int PAUSE_PIPELINED = 16;

    private final ProxyContext context;
    private final Mode mode;
    /** This handler serves one HTTP/2 stream (one request) rather than an HTTP/1.1 connection. */
    private final boolean http2;
    /** The service every request on this connection is for (an upstream listener's); null: the Host says. */
    private final String fixedService;
    /** The request being served is a gRPC call: local answers are gRPC-shaped. */
    private boolean grpc;
    private ChannelHandlerContext ctx;
    private Exchange ex;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    /** A local answer was sent; the rest of that request's body is dropped. */
    private boolean discarding;
    private boolean tunnelling;
    /** An answer that closes the connection was sent: whatever the client sent after it is dropped. */
    private boolean closing;
    /** The facts of the request being served, for the RequestRecord its end hands to the observers. */
    private final RequestRecordBuilder record = new RequestRecordBuilder();
    private String clientIp;

    ProxyHandler(ProxyContext context, Mode mode, boolean http2) {
        this(context, mode, http2, null);
    }

    /** With {@code fixedService} non-null (an upstream listener's), every request is for that service whatever its Host says. */
    ProxyHandler(ProxyContext context, Mode mode, boolean http2, String fixedService) {
        this.context = context;
        this.mode = mode;
        this.http2 = http2;
        this.fixedService = fixedService;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---------------------------------------------------------------- client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnelling || closing) {
            ReferenceCountUtil.release(msg); // the CONNECT request's empty end, while the tunnel opens
            return;
        }
        if ((ex != null && ex.requestDone) || (ex == null && !pending.isEmpty())) {
            if (pending.size() >= MAX_PIPELINED) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            pending.add(msg);
            if (pending.size() >= PAUSE_PIPELINED) {
                ctx.channel().config().setAutoRead(false); // resumeClient reads on once they are served
            }
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg); // nothing after an answer that closes the connection is served
            return;
        }
        if (discarding) {
            if (msg instanceof LastHttpContent) {
                discarding = false;
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
            if (msg instanceof HttpContent content) {
                // Only decode failures arrive as full requests; their (empty) content is done with.
                content.release();
            }
        } else if (msg instanceof HttpContent content) {
            if (ex != null) {
                ex.onClientContent(content);
            } else {
                content.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ex != null && ex.upstream != null && ex.upstreamNeedsFlush) {
            ex.upstreamNeedsFlush = false;
            ex.upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ex != null && ex.upstream != null) {
            setAutoRead(ex.upstream, ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ex != null) {
            ex.abandon();
            ex = null;
        }
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && ex == null) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (http2) {
            // A protocol error on this stream (a bad header, a missing pseudo-header): reset with its code.
            Http2Exception h2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
            Http2Error code = cause instanceof Http2FrameStreamException e ? e.error() : h2 != null ? h2.error() : null;
            if (code != null) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(code)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        ctx.close();
    }

    private void onRequest(HttpRequest request) {
        if (http2) {
            request = fromStream(request);
        }
        grpc = LocalAnswers.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        RequestRecording.start(record, context, ctx.channel(), mode == Mode.INBOUND, request);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            ProxyErrors error = cause instanceof TooLongHttpLineException ? ProxyErrors.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException
                            ? ProxyErrors.HEADERS_TOO_LARGE : ProxyErrors.BAD_REQUEST;
            sendLocal(error, "malformed request: " + String.valueOf(cause.getMessage()).split("\n")[0], false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !(mode == Mode.INBOUND && context.draining());
        if (request.method().equals(HttpMethod.CONNECT)) {
            if (http2) {
                sendLocal(ProxyErrors.BAD_REQUEST, "CONNECT over HTTP/2 is not supported (expected: CONNECT over HTTP/1.1)", false);
            } else if (mode == Mode.OUTBOUND) {
                onConnect(request);
            } else {
                onOpaqueConnect(request);
            }
            return;
        }
        if (fixedService != null) {
            forService(request, fixedService);
        }
        String upgrade = http2 ? null : Tunnel.upgradeOf(request);
        if (upgrade != null && mode == Mode.INBOUND && context.draining()) {
            // Nothing reached the app: the caller's node takes this answer as a refused connect and
            // tries another endpoint. Open tunnels run on; new ones go elsewhere.
            sendLocal(ProxyErrors.UPSTREAM_CONNECT_FAILURE, "this node is draining: no new " + upgrade + " connections", false);
            return;
        }
        RequestRecording.trace(record, context, request);
        boolean inbound = mode == Mode.INBOUND;
        RequestContext rc = new RequestContext(context, request, inbound, grpc,
                inbound ? PeerIdentity.of(ctx.channel()).orElse(null) : null, clientIp(), record);
        RequestStage.Answer answer = RequestChain.run(inbound ? RequestChain.INBOUND : RequestChain.OUTBOUND, rc);
        if (answer != null) {
            boolean bodyFollows = !(request instanceof LastHttpContent);
            boolean keep = keepAlive && !answer.close();
            sendLocal(answer.error(), answer.message(), keep, answer.retryAfterSeconds());
            discarding = bodyFollows && keep;
            return;
        }
        rc.budget.onRequest(); // once per request, whatever its tries
        ex = new Exchange(request, keepAlive, rc.target, rc.limit, rc.budget, Deadline.millis(rc.deadline), upgrade);
        context.inFlight().incrementAndGet();
        if (!(request instanceof LastHttpContent) && (HttpUtil.isTransferEncodingChunked(request)
                || HttpUtil.getContentLength(request, 0L) > 0)) {
            ctx.channel().config().setAutoRead(false); // the body waits for the upstream connection
        }
        ex.connect();
    }

    /**
     * A request read from an HTTP/2 stream, in the form the rest of the path expects: the stream
     * codec's extension headers removed, a body-less request's (empty, allocated) body replaced by the
     * shared empty one, since a retry writes the same head again.
     */
    private static HttpRequest fromStream(HttpRequest request) {
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        if (request instanceof FullHttpRequest full) {
            DefaultFullHttpRequest copy = new DefaultFullHttpRequest(full.protocolVersion(), full.method(), full.uri(),
                    Unpooled.EMPTY_BUFFER, full.headers(), full.trailingHeaders());
            copy.setDecoderResult(full.decoderResult());
            return copy; // the original's body is released by handle()
        }
        return request;
    }

    /**
     * Makes a request on an upstream listener name its service: the Host becomes the service, an
     * absolute URI its path (clients of such a listener call it as if it were the service itself).
     */
    private static void forService(HttpRequest request, String service) {
        String uri = request.uri();
        if (!uri.startsWith("/") && uri.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = uri.indexOf('/', 7);
            request.setUri(slash < 0 ? "/" : uri.substring(slash));
        }
        request.headers().set(HttpHeaderNames.HOST, service);
    }

    /** The client's IP address as text, worked out once per connection (X-Forwarded-For, RateLimits, hashing). */
    private String clientIp() {
        if (clientIp == null && ctx.channel().remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            clientIp = remote.getAddress().getHostAddress();
        }
        return clientIp;
    }

    // ---------------------------------------------------------------- CONNECT tunnels (egress)

    private void onConnect(HttpRequest request) {
        record.request(request.method().name(), request.uri(), "");
        record.flag(RequestFlags.EGRESS | RequestFlags.TUNNEL);
        if (context.settings().outbound().egress() == NodeSettings.Egress.DENY) {
            sendLocal(ProxyErrors.EGRESS_DENIED, "egress to \"" + request.uri() + "\" is denied (rhizome.outbound.egress = deny)", false);
            return;
        }
        HostAndPort hp = HostAndPort.of(request.uri());
        if (hp == null || hp.port() < 0) {
            sendLocal(ProxyErrors.BAD_REQUEST, "CONNECT target \"" + request.uri() + "\" (expected: host:port)", false);
            return;
        }
        openTunnel(new HostPort(hp.host(), hp.port()), RequestRecord.Direction.OUTBOUND, "egress", "connect", "");
    }

    /**
     * A peer's node carries an opaque connection to one of this node's {@code tcp} services: {@code
     * CONNECT <service>:<port>} on the inbound port (the port is the instance's as the caller saw it;
     * this node's own configuration says where the instance is). Authorized by the caller's identity
     * and rate-limited like a request; answered 200 once the instance accepted the connection.
     */
    private void onOpaqueConnect(HttpRequest request) {
        record.request(request.method().name(), request.uri(), "");
        record.flag(RequestFlags.TUNNEL);
        HostAndPort hp = HostAndPort.of(request.uri());
        if (hp == null || hp.port() < 0) {
            sendLocal(ProxyErrors.BAD_REQUEST, "CONNECT target \"" + request.uri() + "\" (expected: <service>:<port>)", false);
            return;
        }
        String suffix = context.settings().outbound().meshSuffix();
        String name = !suffix.isEmpty() && hp.host().endsWith("." + suffix)
                ? hp.host().substring(0, hp.host().length() - suffix.length() - 1) : hp.host();
        ServiceSettings service = null;
        for (ServiceSettings s : context.settings().services()) {
            if (s.name().equals(name)) {
                service = s;
            }
        }
        if (service == null) {
            sendLocal(ProxyErrors.UNKNOWN_SERVICE, "no instance of \"" + name + "\" on node " + context.settings().nodeName(), false);
            return;
        }
        record.service(name);
        if (service.protocol() != ServiceSettings.Protocol.TCP) {
            sendLocal(ProxyErrors.BAD_REQUEST, "\"" + name + "\" is not a tcp service (expected: CONNECT to a service with"
                    + " protocol = tcp; HTTP services take requests)", false);
            return;
        }
        if (context.draining()) {
            // As a refused connect: the caller's node tries another endpoint.
            context.tcpStats().failed(RequestRecord.Direction.INBOUND, name, MeshEndpoint.TCP, callerOf(),
                    ProxyErrors.UPSTREAM_CONNECT_FAILURE.reason());
            sendLocal(ProxyErrors.UPSTREAM_CONNECT_FAILURE, "this node is draining: no new connections to \"" + name + "\"", false);
            return;
        }
        String caller = PeerIdentity.of(ctx.channel()).orElse(null);
        if (LocalAdmission.check(context, name, request, caller, clientIp()) instanceof LocalAdmission.Refused refused) {
            context.tcpStats().failed(RequestRecord.Direction.INBOUND, name, MeshEndpoint.TCP, callerOf(), refused.error().reason());
            sendLocal(refused.error(), refused.message(), false, refused.retryAfterSeconds());
            return;
        }
        openTunnel(service.address(), RequestRecord.Direction.INBOUND, name, MeshEndpoint.TCP, caller == null ? "" : caller);
    }

    /**
     * Connects to {@code target}, answers the CONNECT with 200 once connected (502 when not), then
     * joins the two connections. Nothing the target says first is read before the join.
     */
    private void openTunnel(HostPort target, RequestRecord.Direction direction, String service, String kind, String caller) {
        tunnelling = true;
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        context.upstream().clone(client.eventLoop())
                .option(ChannelOption.AUTO_READ, false) // what a server says first waits for the tunnel
                .handler(new ChannelInboundHandlerAdapter())
                .connect(InetSocketAddress.createUnresolved(target.host(), target.port()))
                .addListener((ChannelFuture f) -> {
                    if (!client.isActive()) {
                        f.channel().close();
                        return;
                    }
                    if (!f.isSuccess()) {
                        tunnelling = false;
                        context.tcpStats().failed(direction, service, kind, caller, ProxyErrors.UPSTREAM_CONNECT_FAILURE.reason());
                        sendLocal(ProxyErrors.UPSTREAM_CONNECT_FAILURE, "cannot connect to " + target + ": " + describe(f.cause()), false);
                        return;
                    }
                    client.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            new HttpResponseStatus(200, "Connection Established")));
                    record.status(200);
                    record.upstream(target);
                    record.emit(context.observers(), System.nanoTime());
                    client.flush();
                    Tunnel.join(client, this, f.channel(), tunnelIdleMillis(), context.tunnels(),
                            context.tcpStats().opened(direction, service, kind, caller, target.toString()));
                });
    }

    /** The caller's verified identity on the inbound port, {@code ""} when none. */
    private String callerOf() {
        return mode == Mode.INBOUND ? PeerIdentity.of(ctx.channel()).orElse("") : "";
    }

    private long tunnelIdleMillis() {
        return context.settings().proxy().tunnelIdleTimeout().toMillis();
    }

    // ---------------------------------------------------------------- local answers

    private void sendLocal(ProxyErrors error, String message, boolean keepAlive) {
        sendLocal(error, message, keepAlive, 0);
    }

    /** A local answer; {@code retryAfterSeconds} > 0 adds {@code Retry-After}. */
    private void sendLocal(ProxyErrors error, String message, boolean keepAlive, long retryAfterSeconds) {
        FullHttpResponse response = LocalAnswers.of(error, message, retryAfterSeconds, grpc);
        HttpHeaders h = response.headers();
        RequestRecording.localAnswer(record, error, response.content().readableBytes());
        if (grpc) {
            record.grpcStatus(error.grpcStatus());
        }
        record.emit(context.observers(), System.nanoTime());
        if (!keepAlive) {
            closing = true;
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    private void resumeClient() {
        setAutoRead(ctx.channel(), true);
        while ((ex == null || !ex.requestDone) && !pending.isEmpty() && ctx.channel().isActive()) {
            handle(pending.poll());
        }
    }

    // ---------------------------------------------------------------- upstream side

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void onTryTimeout(Exchange which) {
        if (ex == which) {
            which.onTryTimeoutFired();
        }
    }

    private void onTimeout(Exchange which, String message) {
        if (ex == which) {
            which.onRouteTimeoutFired(message);
        }
    }

    /**
     * Pauses or resumes reading from a connection or HTTP/2 stream. Resuming a stream also flushes it:
     * the WINDOW_UPDATE for what it read while paused may be written without a flush, and the sender
     * waits for it.
     */
    private static void setAutoRead(Channel ch, boolean on) {
        ch.config().setAutoRead(on);
        if (on && ch instanceof Http2StreamChannel) {
            ch.flush();
        }
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ex.onResponse(msg);
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (ex != null) {
            ex.onUpstreamClosed();
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (ex != null && ex.headSent && !ex.requestDone) {
            setAutoRead(ctx.channel(), writable);
        }
    }

    /** One request and its response, from the request line to the response's last byte. */
    private final class Exchange {
        final HttpRequest request;
        final boolean clientKeepAlive;
        final HttpVersion clientVersion;
        final boolean idempotent;
        final boolean headRequest;
        String service;
        final HostPort fixedTarget;
        final String label;
        final RoutedRule rule;
        SubsetFilter subset;
        final RetryPolicy retry;
        /** The destination's max-requests slot this request holds; released when it ends. */
        final RequestLimit limit;
        /** The retry budget of the service the request was addressed to; every retry asks it first. */
        final RetryBudget budget;
        /** The destination of the current try: its outlier policy judges the try's endpoint. */
        Destination destination = Destination.DEFAULT;
        /** The current try's handle in the endpoint stats; null between tries. */
        Outstanding outstanding;
        int retriesUsed;
        ScheduledFuture<?> routeTimer;
        /** When the overall timeout (Route timeout or caller's deadline) runs out ({@code System.nanoTime()}); 0: none. */
        long deadlineNanos;
        ScheduledFuture<?> tryTimer;
        boolean discardingResponse;
        /** Holds a max-pending slot of this limit while waiting for a connection; null otherwise. */
        ConnectionLimit pendingOn;
        /** Waiting for room under max-connections; null otherwise. */
        ConnectionLimit.Waiter waiter;
        ScheduledFuture<?> waitTimer;
        /** The response being dropped says the peer never reached its instance: resend at once, no retry spent. */
        boolean resendNow;
        final Set<String> tried = new HashSet<>(4);
        final ArrayDeque<HttpContent> waiting = new ArrayDeque<>();
        final List<HttpContent> replay = new ArrayList<>();
        long replayBytes;
        boolean replayable;
        boolean keepClient;
        /** A local instance's RateLimits admitted this request (once, whichever try took the shortcut). */
        boolean admittedLocally;
        MeshEndpoint endpoint;
        HostPort target;
        int attempts;
        Channel upstream;
        boolean reusedConnection;
        boolean headSent;
        boolean requestDone;
        boolean responseStarted;
        boolean skippingInformational;
        boolean upstreamKeepAlive;
        boolean upstreamNeedsFlush;
        /** The current try goes over an HTTP/2 stream (the caller spoke HTTP/2, or the instance's service says so). */
        boolean upstreamH2;
        /** The caller sent {@code te: trailers} (gRPC does): kept toward HTTP/2 upstreams, where it is not hop-by-hop. */
        final boolean teTrailers;
        final boolean grpcCall = grpc;
        /** The service of this node an inbound request is for; null otherwise. */
        final String localService;
        /** The protocol the request asks to switch to ({@code Upgrade}, e.g. websocket); null for a plain request. */
        final String upgrade;
        /** The upstream answered 101: once its head is written, both connections become a tunnel. */
        boolean upgraded;
        ProxyErrors lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
        int lastStatus;
        String lastMessage = "";

        Exchange(HttpRequest request, boolean clientKeepAlive, TargetResolver.Target t, RequestLimit limit, RetryBudget budget,
                long callerDeadlineMillis, String upgrade) {
            this.upgrade = upgrade;
            this.limit = limit;
            this.budget = budget;
            this.clientVersion = request.protocolVersion();
            this.clientKeepAlive = clientKeepAlive;
            this.keepClient = clientKeepAlive;
            HttpMethod m = request.method();
            this.idempotent = m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                    || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.TRACE);
            this.headRequest = m.equals(HttpMethod.HEAD);
            this.service = t.service();
            this.fixedTarget = t.address();
            this.label = t.label();
            this.rule = t.rule();
            this.subset = t.subset();
            this.localService = t.localService();
            this.retry = t.rule() == null ? RetryPolicy.DEFAULT : RetryPolicy.of(t.rule().retries());
            // A non-idempotent request is held for replay only when its route opts in to retrying it.
            this.replayable = idempotent || retry.nonIdempotent() || grpcRetries();
            long routeMillis = t.rule() != null && t.rule().timeout().isPresent() ? t.rule().timeout().get().toMillis() : 0L;
            if (routeMillis > 0 || callerDeadlineMillis > 0) {
                // The earlier of the Route's timeout and the caller's deadline header bounds the whole request.
                boolean callers = callerDeadlineMillis > 0 && (routeMillis <= 0 || callerDeadlineMillis < routeMillis);
                long ms = callers ? callerDeadlineMillis : routeMillis;
                String why = callers ? "the caller's " + Deadline.HEADER : "timeout of " + t.rule().id();
                deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
                final Exchange self = this;
                routeTimer = ctx.executor().schedule(() -> onTimeout(self, "no response within " + ms + "ms (" + why + ")"),
                        ms, TimeUnit.MILLISECONDS);
            }
            this.request = request;
            this.teTrailers = request.headers().containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
            prepareHead(request);
            if (request instanceof LastHttpContent) {
                requestDone = true;
            }
        }

        private void prepareHead(HttpRequest r) {
            HttpHeaders h = r.headers();
            boolean chunked = HttpUtil.isTransferEncodingChunked(r);
            HopByHop.strip(h);
            h.remove(HttpHeaderNames.EXPECT);
            if (chunked) {
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (upgrade != null) {
                Tunnel.keepUpgrade(h, upgrade);
            }
            r.setProtocolVersion(HttpVersion.HTTP_1_1);
        }

        void connect() {
            int connectTimeoutMillis = 0;
            if (service != null) {
                Destination d = context.destinations().forService(service);
                destination = d;
                connectTimeoutMillis = d.connectTimeoutMillis();
                MeshSnapshot mesh = context.view().current();
                EndpointSelector.Pick pick = d.balancer() == null
                        ? context.selector().pick(mesh, service, tried, subset)
                        : context.selector().pick(mesh, service, tried, subset, d.balancer(), pickContext(d));
                if (pick instanceof EndpointSelector.Chosen chosen) {
                    endpoint = chosen.endpoint();
                    target = endpoint.target();
                    tried.add(endpoint.id());
                    record.upstream(target);
                    record.subset(subset.text());
                    record.local(endpoint.local());
                    if (endpoint.local() && !admittedLocally) {
                        // The local shortcut skips the instance's inbound port, not its inbound policy;
                        // the caller is this node's own app.
                        if (LocalAdmission.check(context, endpoint.service(), request, context.selfIdentity(), clientIp())
                                instanceof LocalAdmission.Refused refused) {
                            refusedLocally(refused);
                            return;
                        }
                        admittedLocally = true;
                    }
                } else if (attempts > 0) {
                    if (switchBackend()) {
                        connect();
                        return;
                    }
                    fail(lastError, lastMessage);
                    return;
                } else if (pick instanceof EndpointSelector.UnknownService) {
                    fail(ProxyErrors.UNKNOWN_SERVICE, "no mesh service named \"" + service + "\"");
                    return;
                } else {
                    EndpointSelector.NoHealthyEndpoint none = (EndpointSelector.NoHealthyEndpoint) pick;
                    fail(ProxyErrors.NO_HEALTHY_ENDPOINT, subset.labels().isEmpty()
                            ? "none of the " + none.endpoints() + " endpoints of \"" + service + "\" is healthy"
                            : "no healthy endpoint of \"" + service + "\" in subset " + subset.labels());
                    return;
                }
            } else {
                target = fixedTarget;
                record.upstream(target);
            }
            upstreamH2 = speaksHttp2();
            attempts++;
            if (service != null) {
                tryIgnored(); // none should be open here; a leak would make the endpoint look busy forever
                outstanding = context.destinations().stats().start(endpoint.id());
            }
            // mTLS to a peer's inbound port only: the local shortcut and egress stay plaintext.
            String identity = endpoint != null && !endpoint.local() && context.tls().enabled()
                    ? context.tls().expectedPeer(endpoint.identity()) : null;
            if (upstreamH2) {
                openStream(connectTimeoutMillis, identity);
                return;
            }
            connectHttp1(connectTimeoutMillis, identity);
        }

        /** An HTTP/1.1 connection to the target: an idle pooled one, or a new one. */
        private void connectHttp1(int connectTimeoutMillis, String identity) {
            Channel pooled = context.pool().poll(target, identity);
            if (pooled != null) {
                attach(pooled, true);
                return;
            }
            openConnection(connectTimeoutMillis, identity);
        }

        /**
         * Whether this try goes over HTTP/2: to a peer's inbound port when the caller spoke HTTP/2 (the
         * far side restores nothing: it calls its instance the same way), to an instance when the caller
         * did or its service is {@code protocol = http2}; egress stays HTTP/1.1.
         */
        private boolean speaksHttp2() {
            if (upgrade != null) {
                return false; // an upgrade is HTTP/1.1's (RFC 8441's extended CONNECT is not supported)
            }
            if (endpoint != null && !endpoint.local()) {
                return http2;
            }
            String instance = endpoint != null ? endpoint.service() : localService;
            if (instance == null) {
                return false; // egress
            }
            if (context.speaksHttp2(instance)) {
                return true;
            }
            // protocol = http: the caller's protocol, unless the instance was found to speak HTTP/1.1 only.
            return http2 && (grpcCall || !context.http2().knownHttp1Only(target));
        }

        /**
         * An HTTP/2 caller's request to an instance of a {@code protocol = http} service whose port did not
         * answer HTTP/2's preface: it goes over HTTP/1.1 instead (nothing of it was sent). Not for gRPC, which
         * needs HTTP/2, nor for peers or {@code protocol = http2} services, which speak it.
         */
        private boolean fallsBackToHttp1(Throwable cause) {
            if (!(cause instanceof Http2Upstreams.NotHttp2Exception) || grpcCall) {
                return false;
            }
            String instance = endpoint != null ? (endpoint.local() ? endpoint.service() : null) : localService;
            return instance != null && !context.speaksHttp2(instance);
        }

        /** A new stream on a shared HTTP/2 connection to the target (max-connections does not apply: streams share connections). */
        private void openStream(int connectTimeoutMillis, String identity) {
            final Exchange self = this;
            context.http2().openStream(ctx.channel().eventLoop(), target, identity, connectTimeoutMillis)
                    .addListener((io.netty.util.concurrent.Future<Http2StreamChannel> f) -> {
                        if (ex != self) {
                            if (f.isSuccess()) {
                                f.getNow().close();
                            }
                        } else if (f.isSuccess()) {
                            attach(f.getNow(), false);
                        } else if (fallsBackToHttp1(f.cause())) {
                            upstreamH2 = false;
                            connectHttp1(connectTimeoutMillis, identity);
                        } else {
                            onConnectFailure(f.cause());
                        }
                    });
        }

        /** No idle connection to the target: open one, within the destination's max-connections and max-pending. */
        private void openConnection(int connectTimeoutMillis, String identity) {
            ConnectionLimit cl = destination.connections();
            if (cl.limited()) {
                if (pendingOn == null) {
                    if (!cl.tryStartPending()) {
                        overflow("already has " + cl.maxPending() + " requests waiting for a connection from this node"
                                + " (circuit-breaker max-pending)");
                        return;
                    }
                    pendingOn = cl;
                }
                if (!cl.tryOpen()) {
                    awaitRoom(cl, connectTimeoutMillis, identity);
                    return;
                }
            }
            final Exchange self = this;
            ChannelFuture connecting = context.pool().connect(ctx.channel().eventLoop(), target,
                    context.settings().proxy().maxHeaderSize(), connectTimeoutMillis, identity);
            if (cl.limited()) {
                connecting.channel().closeFuture().addListener(c -> cl.closed());
            }
            connecting.addListener((ChannelFuture f) -> {
                endPending();
                if (ex != self) {
                    f.channel().close();
                } else if (f.isSuccess()) {
                    attach(f.channel(), false);
                } else {
                    onConnectFailure(f.cause());
                }
            });
        }

        /** At max-connections: wait for a connection of the service to close, at most the connect timeout. */
        private void awaitRoom(ConnectionLimit cl, int connectTimeoutMillis, String identity) {
            final Exchange self = this;
            long wait = connectTimeoutMillis > 0 ? connectTimeoutMillis : context.settings().proxy().connectTimeout().toMillis();
            waiter = cl.await(ctx.executor(), () -> {
                if (ex == self && waiter != null) {
                    waiter = null;
                    cancel(waitTimer);
                    openConnection(connectTimeoutMillis, identity);
                }
            });
            waitTimer = ctx.executor().schedule(() -> {
                ConnectionLimit.Waiter w = waiter;
                if (ex == self && w != null && w.cancel()) {
                    waiter = null;
                    overflow("has had " + cl.maxConnections() + " connections open from this node for " + wait
                            + "ms (circuit-breaker max-connections)");
                }
            }, wait, TimeUnit.MILLISECONDS);
        }

        /** A circuit breaker turned the request away before anything was sent: 503 overflow. */
        private void overflow(String why) {
            tryIgnored(); // says nothing about the endpoint
            fail(ProxyErrors.OVERFLOW, "\"" + service + "\" " + why);
        }

        private void endPending() {
            ConnectionLimit p = pendingOn;
            pendingOn = null;
            if (p != null) {
                p.endPending();
            }
        }

        /** A finished connection goes back to the pool, unless requests wait for room under max-connections. */
        private void release(Channel up) {
            if (upstreamH2 || destination.connections().hasWaiters()) {
                // A finished HTTP/2 stream is not reused; its connection stays open for the next one.
                up.pipeline().get(BackendHandler.class).attach(null);
                up.close();
            } else {
                context.pool().release(up, target);
            }
        }

        /** What a hashing balancer hashes: the policy's hash-on value of this request. */
        private PickContext pickContext(Destination d) {
            if (!d.spec().hasHashOn()) {
                return PickContext.NONE;
            }
            return PickContext.of(d.spec().getHashOn(), new NettyRequestView(request), clientIp());
        }

        /** The try got its response head with a status below 500: a latency sample up to now. */
        private void trySucceeded() {
            Outstanding o = outstanding;
            outstanding = null;
            if (o != null) {
                o.success();
                context.selector().ejections().succeeded(endpoint.id());
            }
        }

        /** The try failed (reset, 5xx, timeout): counted by the endpoint stats and the outlier detection. */
        private void tryFailed() {
            Outstanding o = outstanding;
            outstanding = null;
            if (o != null) {
                o.failure();
                ejected(context.selector().ejections().failed(endpoint.id(), destination.outlier(),
                        context.view().current().endpoints(endpoint.service())));
            }
        }

        /** The try's connection was refused or timed out: the endpoint is ejected at once. */
        private void tryRefused() {
            Outstanding o = outstanding;
            outstanding = null;
            if (o != null) {
                o.failure();
                ejected(context.selector().ejections().refused(endpoint.id(), destination.outlier(),
                        context.view().current().endpoints(endpoint.service())));
            }
        }

        private void ejected(EjectionDecision decision) {
            if (decision == EjectionDecision.EJECTED) {
                record.flag(RequestFlags.EJECTED);
            }
        }

        /** The try's outcome says nothing about the endpoint (the client left, a stale pooled connection). */
        private void tryIgnored() {
            Outstanding o = outstanding;
            outstanding = null;
            if (o != null) {
                o.ignore();
            }
        }

        /** The chosen backend has nothing left to try: move to another backend of the rule that has. */
        private boolean switchBackend() {
            if (rule == null) {
                return false;
            }
            MeshSnapshot mesh = context.view().current();
            for (RouteBackend other : rule.backends().backends()) {
                boolean same = other.service().equals(service) && other.subset().labels().equals(subset.labels());
                // Only a backend with an untried endpoint: two fully tried backends would switch forever.
                if (!same && other.weight() > 0 && hasUntried(mesh, other.service(), other.subset())) {
                    service = other.service();
                    subset = other.subset();
                    return true;
                }
            }
            return false;
        }

        /** A retry has somewhere to go: an untried endpoint in this backend or in another of the rule's. */
        private boolean hasNextTarget() {
            if (service == null) {
                return true;
            }
            MeshSnapshot mesh = context.view().current();
            if (hasUntried(mesh, service, subset)) {
                return true;
            }
            if (rule != null) {
                for (RouteBackend other : rule.backends().backends()) {
                    if (other.weight() > 0 && hasUntried(mesh, other.service(), other.subset())) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Some endpoint of {@code svc} in {@code sub} that takes traffic has not been tried by this request. */
        private boolean hasUntried(MeshSnapshot mesh, String svc, SubsetFilter sub) {
            for (MeshEndpoint e : mesh.endpoints(svc)) {
                if (sub.matches(e.labels()) && !tried.contains(e.id()) && context.selector().exclusionReason(e).isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        private void onConnectFailure(Throwable cause) {
            tryRefused();
            lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
            lastMessage = "cannot connect to " + describeTarget() + ": " + describe(cause);
            // Idle pooled connections to a target that refuses new ones are dead too.
            context.pool().closeIdle(target);
            if (endpoint != null) {
                // Nothing was sent yet, so trying another endpoint is always safe.
                if (attempts < MAX_ATTEMPTS) {
                    connect();
                    return;
                }
            }
            fail(lastError, lastMessage);
        }

        private String describeTarget() {
            return endpoint != null ? endpoint.id() + " at " + target : label + " at " + target;
        }

        private void attach(Channel ch, boolean reused) {
            upstream = ch;
            reusedConnection = reused;
            ch.pipeline().get(BackendHandler.class).attach(ProxyHandler.this);
            ch.config().setAutoRead(true);
            if (deadlineNanos != 0 && endpoint != null && !endpoint.local()) {
                // A peer's inbound port honours what is left of the deadline (relative: clocks need not agree).
                request.headers().set(Deadline.HEADER, Deadline.format(deadlineNanos, System.nanoTime()));
            } else {
                request.headers().remove(Deadline.HEADER);
            }
            if (rule != null) {
                // The peer serves the service its Host names, unless told which backend service this is.
                if (endpoint != null && !endpoint.local() && !endpoint.service().equals(rule.service())) {
                    request.headers().set(TargetResolver.SERVICE_HEADER, endpoint.service());
                } else {
                    request.headers().remove(TargetResolver.SERVICE_HEADER);
                }
            }
            if (grpcCall && deadlineNanos != 0) {
                request.headers().set(Deadline.GRPC_HEADER, Deadline.formatGrpc(deadlineNanos, System.nanoTime()));
            }
            if (teTrailers) { // HopByHop dropped it; HTTP/2 keeps it (an earlier HTTP/2 try may have set it)
                if (upstreamH2) {
                    request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
                } else {
                    request.headers().remove(HttpHeaderNames.TE);
                }
            }
            ch.write(request);
            HttpContent c;
            while ((c = waiting.poll()) != null) {
                writeUpstream(c);
            }
            ch.flush();
            headSent = true;
            if (!requestDone) {
                setAutoRead(ctx.channel(), ch.isWritable());
            }
            if (retry.perTryTimeoutMillis() > 0) {
                cancel(tryTimer);
                final Exchange self = this;
                tryTimer = ctx.executor().schedule(() -> onTryTimeout(self), retry.perTryTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        }

        /** Retries are allowed for this request: its body is held for replay and its method may repeat. */
        private boolean canRetry() {
            return requestDone && replayable && (idempotent || retry.nonIdempotent() || grpcRetries()) && retriesUsed < retry.attempts();
        }

        /**
         * A gRPC call whose route retries gRPC conditions: held for replay like an idempotent request, while
         * its body fits the retry buffer (a streaming call's messages beyond it make it not retried).
         */
        private boolean grpcRetries() {
            return grpcCall && retry.hasGrpcConditions();
        }

        /** Takes a retry from the destination's budget; asked last, once a retry is otherwise decided. */
        private boolean budgetAllowsRetry() {
            if (budget.tryRetry()) {
                return true;
            }
            record.flag(RequestFlags.RETRY_BUDGET_EXHAUSTED);
            return false;
        }

        private void retryAfterBackoff() {
            retriesUsed++;
            requeueReplay();
            final Exchange self = this;
            ctx.executor().schedule(() -> {
                if (ex == self) {
                    connect();
                }
            }, retry.backoffMillis(retriesUsed), TimeUnit.MILLISECONDS);
        }

        /**
         * The next try sends the held request body again. The held parts move to the waiting queue
         * (writing them holds them again), so the replay buffer holds the body once, whatever the try.
         */
        private void requeueReplay() {
            headSent = false;
            waiting.addAll(replay);
            replay.clear();
            replayBytes = 0;
        }

        void onTryTimeoutFired() {
            if (responseStarted || upstream == null) {
                return;
            }
            closeUpstream();
            tryFailed();
            record.flag(RequestFlags.TIMEOUT);
            lastError = ProxyErrors.TIMEOUT;
            lastMessage = "no response from " + describeTarget() + " within the per-try timeout of "
                    + retry.perTryTimeoutMillis() + "ms";
            if (endpoint != null) {
                tried.add(endpoint.id());
            }
            if (canRetry() && budgetAllowsRetry()) {
                retryAfterBackoff();
            } else {
                fail(lastError, lastMessage);
            }
        }

        void onRouteTimeoutFired(String message) {
            record.flag(RequestFlags.TIMEOUT);
            if (responseStarted) {
                closeUpstream();
                truncate();
            } else {
                fail(ProxyErrors.TIMEOUT, message);
            }
        }

        private void cancelTimers() {
            cancel(routeTimer);
            cancel(tryTimer);
        }

        private void writeUpstream(HttpContent c) {
            if (replayable) {
                int n = c.content().readableBytes();
                if (replayBytes + n <= context.settings().proxy().maxRetryBuffer()) {
                    replay.add(c.retainedDuplicate());
                    replayBytes += n;
                } else {
                    dropReplay();
                }
            }
            if (c instanceof LastHttpContent) {
                requestDone = true;
            }
            upstream.write(c);
        }

        void onClientContent(HttpContent c) {
            record.addRequestBytes(c.content().readableBytes());
            if (c.decoderResult().isFailure()) {
                // A broken body (an invalid chunk size): the upstream connection closes mid-request, so
                // the instance never sees a whole request; the client learns why when it can still be told.
                Throwable cause = c.decoderResult().cause();
                c.release();
                boolean answer = !responseStarted;
                abandon();
                ex = null;
                if (answer) {
                    sendLocal(ProxyErrors.BAD_REQUEST, "malformed request body: " + String.valueOf(cause.getMessage()).split("\n")[0], false);
                } else {
                    ctx.close();
                }
                return;
            }
            boolean last = c instanceof LastHttpContent;
            if (last && upgrade != null) {
                // Whatever the client sends next belongs to the new protocol: it waits for the 101.
                ctx.channel().config().setAutoRead(false);
            }
            if (!headSent) {
                waiting.add(c);
                if (last) {
                    requestDone = true;
                }
                return;
            }
            writeUpstream(c);
            if (last) {
                upstream.flush();
            } else if (!upstream.isWritable()) {
                // Flushing may drain the buffer and fire the writability event at once, so the
                // state is read again after it: pause only if the upstream is still full.
                upstream.flush();
                if (!upstream.isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
            } else {
                upstreamNeedsFlush = true;
            }
        }

        void onResponse(Object msg) {
            if (msg instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    closeUpstream();
                    if (!responseStarted) {
                        fail(ProxyErrors.UPSTREAM_RESET, describeTarget() + " sent a malformed response");
                    } else {
                        truncate();
                    }
                    return;
                }
                int code = response.status().code();
                if (code == 101) {
                    if (upgrade == null || upstreamH2) {
                        ReferenceCountUtil.release(msg);
                        closeUpstream();
                        fail(ProxyErrors.UPSTREAM_RESET, describeTarget() + " switched protocols unasked (101 to a request without Upgrade)");
                        return;
                    }
                    switchingProtocols(response, msg instanceof LastHttpContent);
                    return;
                }
                if (code >= 100 && code < 200) {
                    skippingInformational = !(msg instanceof LastHttpContent);
                    ReferenceCountUtil.release(msg);
                    return;
                }
                // A peer's inbound port that could not reach its instance: nothing reached the app,
                // as with a refused connection of our own. A peer's reset counts as a reset.
                ProxyErrors peer = endpoint != null && !endpoint.local()
                        ? ProxyErrors.ofPeer(code, response.headers().get(ProxyErrors.HEADER)) : null;
                boolean peerRefused = peer == ProxyErrors.UPSTREAM_CONNECT_FAILURE;
                if (peerRefused) {
                    tryRefused();
                } else if ((peer != null ? peer.status() : code) < 500) {
                    trySucceeded();
                } else {
                    tryFailed();
                }
                resendNow = peerRefused && requestDone && replayable && attempts < MAX_ATTEMPTS && hasNextTarget();
                boolean grpcRetriable = grpcCall && msg instanceof LastHttpContent && retry.retriesGrpc(grpcStatusOf(response.headers()));
                if (resendNow || ((retry.retriesStatus(code) || (peer == ProxyErrors.UPSTREAM_RESET && retry.retriesReset())
                        || grpcRetriable) && canRetry() && hasNextTarget() && budgetAllowsRetry())) {
                    // Answered with a status the route retries: drop this response, try elsewhere.
                    // With no untried endpoint left, the response goes to the client as it is.
                    cancel(tryTimer);
                    lastError = resendNow ? ProxyErrors.UPSTREAM_CONNECT_FAILURE : null;
                    lastStatus = code;
                    lastMessage = describeTarget() + " answered " + code;
                    discardingResponse = !(msg instanceof LastHttpContent);
                    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
                    ReferenceCountUtil.release(msg);
                    if (!discardingResponse) {
                        endDiscardAndRetry();
                    }
                    return;
                }
                cancel(tryTimer);
                responseStarted = true;
                record.status(code);
                if (grpcCall) {
                    recordGrpcStatus(response.headers()); // a trailers-only answer carries it in its head
                }
                dropReplay();
                prepareResponse(response);
                if (msg instanceof LastHttpContent) {
                    finish(msg);
                } else {
                    ctx.write(response);
                }
                return;
            }
            if (!(msg instanceof HttpContent content)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (skippingInformational) {
                skippingInformational = !(msg instanceof LastHttpContent);
                content.release();
                return;
            }
            if (upgraded) {
                boolean last = msg instanceof LastHttpContent; // a 101 has no body: its empty end comes at once
                content.release();
                if (last) {
                    joinTunnel(false);
                }
                return;
            }
            if (discardingResponse) {
                boolean last = msg instanceof LastHttpContent;
                content.release();
                if (last) {
                    discardingResponse = false;
                    endDiscardAndRetry();
                }
                return;
            }
            if (content.decoderResult().isFailure()) {
                content.release();
                closeUpstream();
                truncate();
                return;
            }
            if (content instanceof LastHttpContent) {
                finish(content);
                return;
            }
            record.addResponseBytes(content.content().readableBytes());
            ctx.writeAndFlush(content);
            if (!ctx.channel().isWritable() && upstream != null) {
                upstream.config().setAutoRead(false);
            }
        }

        /**
         * The upstream accepted the upgrade: the 101 goes to the client with the upgrade's two fields
         * (the route's response edits apply), and the request is over as a request (its record says 101).
         */
        private void switchingProtocols(HttpResponse response, boolean full) {
            cancelTimers(); // a route timeout bounds the handshake, not the tunnel's life
            trySucceeded();
            responseStarted = true;
            upgraded = true;
            record.status(101);
            record.flag(RequestFlags.TUNNEL);
            dropReplay();
            HttpHeaders h = response.headers();
            String protocol = h.get(HttpHeaderNames.UPGRADE, upgrade);
            if (rule != null) {
                HeaderEditor.apply(rule.responseHeaders(), h);
            }
            HopByHop.strip(h);
            Tunnel.keepUpgrade(h, protocol);
            response.setProtocolVersion(HttpVersion.HTTP_1_1);
            ctx.write(response);
            if (full) {
                joinTunnel(true);
            }
        }

        /** The 101's end: the connections leave HTTP and carry bytes both ways until either side closes. */
        private void joinTunnel(boolean headWasFull) {
            Channel up = upstream;
            upstream = null;
            if (!headWasFull) {
                ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            ctx.flush();
            tryIgnored();
            releaseBuffers();
            ended();
            ex = null;
            tunnelling = true;
            record.emit(context.observers(), System.nanoTime());
            Object m;
            while ((m = pending.poll()) != null) {
                ReferenceCountUtil.release(m); // a client waits for the 101 before it speaks the new protocol
            }
            boolean inbound = mode == Mode.INBOUND;
            String svc = localService != null ? localService : service != null ? service : "egress";
            String caller = inbound ? PeerIdentity.of(ctx.channel()).orElse("") : "";
            Tunnel.join(ctx.channel(), ProxyHandler.this, up, tunnelIdleMillis(), context.tunnels(), context.tcpStats().opened(
                    inbound ? RequestRecord.Direction.INBOUND : RequestRecord.Direction.OUTBOUND, svc, "upgrade", caller,
                    String.valueOf(target)));
        }

        private void endDiscardAndRetry() {
            Channel up = upstream;
            upstream = null;
            if (up != null) {
                if (upstreamKeepAlive) {
                    release(up);
                } else {
                    up.pipeline().get(BackendHandler.class).attach(null);
                    up.close();
                }
            }
            if (resendNow) {
                resendNow = false;
                requeueReplay();
                connect();
            } else {
                retryAfterBackoff();
            }
        }

        private void prepareResponse(HttpResponse response) {
            HttpHeaders h = response.headers();
            if (upstreamH2) {
                h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            }
            if (rule != null) {
                HeaderEditor.apply(rule.responseHeaders(), h);
            }
            boolean hasLength = h.contains(HttpHeaderNames.CONTENT_LENGTH);
            boolean chunked = HttpUtil.isTransferEncodingChunked(response);
            upstreamKeepAlive = HttpUtil.isKeepAlive(response);
            HopByHop.strip(h);
            int code = response.status().code();
            boolean bodyless = headRequest || code == 204 || code == 304;
            if (!bodyless && !hasLength) {
                if (!chunked) {
                    upstreamKeepAlive = false; // delimited by close
                }
                if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                } else {
                    keepClient = false;
                }
            }
            if (mode == Mode.INBOUND && context.draining()) {
                keepClient = false;
            }
            if (!keepClient) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            response.setProtocolVersion(clientVersion.equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        }

        /** The response's last part arrived: hand the connections back and take the next request. */
        private void finish(Object last) {
            cancelTimers();
            Channel up = upstream;
            upstream = null;
            if (up != null) {
                up.config().setAutoRead(true);
                if (requestDone && upstreamKeepAlive) {
                    release(up);
                } else {
                    up.pipeline().get(BackendHandler.class).attach(null);
                    up.close();
                }
            }
            tryIgnored(); // counted when the head arrived
            ended();
            ex = null;
            if (last instanceof HttpContent content) {
                record.addResponseBytes(content.content().readableBytes());
            }
            if (grpcCall && last instanceof LastHttpContent trailers) {
                recordGrpcStatus(trailers.trailingHeaders());
            }
            record.emit(context.observers(), System.nanoTime());
            ChannelFuture written = ctx.writeAndFlush(last);
            if (!requestDone || !keepClient) {
                // A response that ends before its request cannot leave the connection in sync.
                written.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            resumeClient();
        }

        void onUpstreamClosed() {
            Channel was = upstream;
            upstream = null;
            if (was == null) {
                return;
            }
            if (responseStarted) {
                truncate();
                return;
            }
            cancel(tryTimer);
            lastError = ProxyErrors.UPSTREAM_RESET;
            lastMessage = describeTarget() + " closed the connection before responding";
            // A stale pooled connection says nothing about the endpoint and costs no retry.
            boolean stale = reusedConnection && requestDone && replayable && idempotent && attempts < MAX_ATTEMPTS;
            if (stale) {
                tryIgnored();
            } else {
                tryFailed();
            }
            if (reusedConnection) {
                context.pool().closeIdle(target); // its siblings were opened to the same peer: likely closed too
            }
            // A stale pooled connection's replay is not a retry: the budget is not asked.
            boolean canReplay = stale || (retry.retriesReset() && canRetry() && budgetAllowsRetry());
            if (canReplay && !stale) {
                retriesUsed++;
            }
            if (canReplay) {
                if (endpoint != null && reusedConnection) {
                    tried.remove(endpoint.id()); // a stale pooled connection says nothing about the endpoint
                }
                requeueReplay();
                if (fixedTarget != null && !reusedConnection) {
                    fail(lastError, lastMessage);
                    return;
                }
                connect();
                return;
            }
            fail(lastError, lastMessage);
        }

        private void fail(ProxyErrors error, String message) {
            if (error == null) { // the last try answered with a retriable status and nothing is left
                error = ProxyErrors.UPSTREAM_RESET;
            }
            cancelTimers();
            closeUpstream();
            tryFailed();
            releaseBuffers();
            ended();
            ex = null;
            boolean keep = keepClient && requestDone;
            sendLocal(error, message, keep);
            if (keep) {
                resumeClient();
            }
        }

        /** The local instance's Authorization or RateLimit refused the request: its body dropped, the connection kept. */
        private void refusedLocally(LocalAdmission.Refused refused) {
            cancelTimers();
            closeUpstream();
            tryIgnored();
            releaseBuffers();
            ended();
            ex = null;
            boolean keep = keepClient;
            discarding = keep && !requestDone;
            sendLocal(refused.error(), refused.message(), keep, refused.retryAfterSeconds());
            if (keep) {
                resumeClient();
            }
        }

        /** The response broke off after it started: the client learns by the connection closing. */
        private void truncate() {
            cancelTimers();
            tryIgnored(); // counted when the head arrived
            releaseBuffers();
            ended();
            ex = null;
            record.flag(RequestFlags.TRUNCATED);
            record.emit(context.observers(), System.nanoTime());
            ctx.flush();
            ctx.close();
        }

        private void closeUpstream() {
            Channel up = upstream;
            upstream = null;
            if (up != null) {
                up.pipeline().get(BackendHandler.class).attach(null);
                up.close();
            }
        }

        /** The client went away. */
        void abandon() {
            cancelTimers();
            closeUpstream();
            tryIgnored();
            releaseBuffers();
            ended();
            record.flag(RequestFlags.CLIENT_ABORT);
            record.emit(context.observers(), System.nanoTime());
        }

        /** The request is over, whichever way: its in-flight count and its max-requests slot go. */
        private void ended() {
            ConnectionLimit.Waiter w = waiter;
            waiter = null;
            if (w != null) {
                w.cancel();
            }
            cancel(waitTimer);
            endPending();
            context.inFlight().decrementAndGet();
            limit.release();
            record.retries(retriesUsed);
            if (retriesUsed > 0) {
                record.flag(RequestFlags.RETRIED);
            }
        }

        private void recordGrpcStatus(HttpHeaders h) {
            int status = grpcStatusOf(h);
            if (status >= 0) {
                record.grpcStatus(status);
            }
        }

        /** The {@code grpc-status} in {@code h}, or -1 when there is none (or it is not a number). */
        private int grpcStatusOf(HttpHeaders h) {
            String status = h.get(LocalAnswers.GRPC_STATUS);
            if (status != null && !status.isEmpty() && status.length() <= 2) {
                try {
                    return Integer.parseInt(status);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
            return -1;
        }

        private void dropReplay() {
            replayable = false;
            for (HttpContent c : replay) {
                c.release();
            }
            replay.clear();
            replayBytes = 0;
        }

        private void releaseBuffers() {
            HttpContent c;
            while ((c = waiting.poll()) != null) {
                c.release();
            }
            dropReplay();
        }
    }

    /** A connect failure in a few words (Netty's messages carry syscall details users need not see). */
    static String describe(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (m.contains("Connection refused")) {
            return "connection refused";
        }
        if (cause instanceof io.netty.channel.ConnectTimeoutException || m.contains("timed out")) {
            return "connect timed out";
        }
        if (cause instanceof java.net.UnknownHostException) {
            return "unknown host";
        }
        return m;
    }
}
