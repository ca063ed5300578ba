package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Deadline;
import io.rhizome.mesh.node.security.PeerIdentity;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One client connection on the outbound or inbound port. Requests are proxied one at a time per
 * connection (pipelined requests wait in order); bodies stream both ways with backpressure: when
 * the side being written to is full, reading from the other side pauses.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamListener {

    enum Mode {
        OUTBOUND,
        INBOUND
    }

    /**
     * Connection attempts per request; a refused connection never costs the request while endpoints
     * remain.
     */
    static final int MAX_ATTEMPTS = 6;

    private static final int MAX_PIPELINED = 64;

    /**
     * Reading from the client pauses only for a request body that cannot be sent yet or when this
     * many pipelined requests wait: toggling it per request costs two epoll_ctl calls each time.
     */
    private static final int PAUSE_PIPELINED = 16;

    final ProxyContext context;
    final Mode mode;

    /** This handler serves one HTTP/2 stream (one request) rather than an HTTP/1.1 connection. */
    final boolean http2;

    /**
     * The service every request on this connection is for (an upstream listener's); null: the Host
     * says.
     */
    private final String fixedService;

    /** The request being served is a gRPC call: local answers are gRPC-shaped. */
    boolean grpc;

    ChannelHandlerContext ctx;
    Exchange ex;
    final ArrayDeque<Object> pending = new ArrayDeque<>();

    /** A local answer was sent; the rest of that request's body is dropped. */
    boolean discarding;

    boolean tunnelling;

    /**
     * An answer that closes the connection was sent: whatever the client sent after it is dropped.
     */
    private boolean closing;

    /**
     * The facts of the request being served, for the RequestRecord its end hands to the observers.
     */
    final RequestRecordBuilder record = new RequestRecordBuilder();

    private String clientIp;

    ProxyHandler(ProxyContext context, Mode mode, boolean http2) {
        this(context, mode, http2, null);
    }

    /**
     * With {@code fixedService} non-null (an upstream listener's), every request is for that
     * service whatever its Host says.
     */
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
            ReferenceCountUtil.release(
                    msg); // the CONNECT request's empty end, while the tunnel opens
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
                ctx.channel()
                        .config()
                        .setAutoRead(false); // resumeClient reads on once they are served
            }
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (closing) {
            ReferenceCountUtil.release(
                    msg); // nothing after an answer that closes the connection is served
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
            // A protocol error on this stream (a bad header, a missing pseudo-header): reset with
            // its code.
            Http2Exception h2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
            Http2Error code =
                    cause instanceof Http2FrameStreamException e
                            ? e.error()
                            : h2 != null ? h2.error() : null;
            if (code != null) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(code))
                        .addListener(ChannelFutureListener.CLOSE);
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
            ProxyErrors error =
                    cause instanceof TooLongHttpLineException
                            ? ProxyErrors.URI_TOO_LONG
                            : cause instanceof TooLongHttpHeaderException
                                            || cause instanceof TooLongFrameException
                                    ? ProxyErrors.HEADERS_TOO_LARGE
                                    : ProxyErrors.BAD_REQUEST;
            sendLocal(
                    error,
                    "malformed request: " + String.valueOf(cause.getMessage()).split("\n")[0],
                    false);
            return;
        }
        boolean keepAlive =
                HttpUtil.isKeepAlive(request) && !(mode == Mode.INBOUND && context.draining());
        if (request.method().equals(HttpMethod.CONNECT)) {
            if (http2) {
                sendLocal(
                        ProxyErrors.BAD_REQUEST,
                        "CONNECT over HTTP/2 is not supported (expected: CONNECT over HTTP/1.1)",
                        false);
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
            sendLocal(
                    ProxyErrors.UPSTREAM_CONNECT_FAILURE,
                    "this node is draining: no new " + upgrade + " connections",
                    false);
            return;
        }
        RequestRecording.trace(record, context, request);
        boolean inbound = mode == Mode.INBOUND;
        RequestContext rc =
                new RequestContext(
                        context,
                        request,
                        inbound,
                        grpc,
                        inbound ? PeerIdentity.of(ctx.channel()).orElse(null) : null,
                        clientIp(),
                        record);
        RequestStage.Answer answer =
                RequestChain.run(inbound ? RequestChain.INBOUND : RequestChain.OUTBOUND, rc);
        if (answer != null) {
            boolean bodyFollows = !(request instanceof LastHttpContent);
            boolean keep = keepAlive && !answer.close();
            sendLocal(answer.error(), answer.message(), keep, answer.retryAfterSeconds());
            discarding = bodyFollows && keep;
            return;
        }
        rc.budget.onRequest(); // once per request, whatever its tries
        // A peer's node sent an HTTP/1.1 caller's request over HTTP/2 (proxy.peer-protocol =
        // http2).
        boolean callerSpokeHttp1 = false;
        if (inbound && http2) {
            callerSpokeHttp1 =
                    TargetResolver.HTTP1.equals(
                            request.headers().get(TargetResolver.PROTOCOL_HEADER));
            request.headers().remove(TargetResolver.PROTOCOL_HEADER);
        }
        ex =
                new Exchange(
                        this,
                        request,
                        keepAlive,
                        rc.target,
                        rc.limit,
                        rc.budget,
                        Deadline.millis(rc.deadline),
                        upgrade,
                        callerSpokeHttp1);
        context.inFlight().incrementAndGet();
        if (!(request instanceof LastHttpContent)
                && (HttpUtil.isTransferEncodingChunked(request)
                        || HttpUtil.getContentLength(request, 0L) > 0)) {
            ctx.channel().config().setAutoRead(false); // the body waits for the upstream connection
        }
        ex.connect();
    }

    /**
     * A request read from an HTTP/2 stream, in the form the rest of the path expects: the stream
     * codec's extension headers removed, a body-less request's (empty, allocated) body replaced by
     * the shared empty one, since a retry writes the same head again.
     */
    private static HttpRequest fromStream(HttpRequest request) {
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        request.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        if (request instanceof FullHttpRequest full) {
            DefaultFullHttpRequest copy =
                    new DefaultFullHttpRequest(
                            full.protocolVersion(),
                            full.method(),
                            full.uri(),
                            Unpooled.EMPTY_BUFFER,
                            full.headers(),
                            full.trailingHeaders());
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

    /**
     * The client's IP address as text, worked out once per connection (X-Forwarded-For, RateLimits,
     * hashing).
     */
    String clientIp() {
        if (clientIp == null
                && ctx.channel().remoteAddress() instanceof InetSocketAddress remote
                && remote.getAddress() != null) {
            clientIp = remote.getAddress().getHostAddress();
        }
        return clientIp;
    }

    // ---------------------------------------------------------------- CONNECT tunnels (egress)

    private void onConnect(HttpRequest request) {
        record.request(request.method().name(), request.uri(), "");
        record.flag(RequestFlags.EGRESS | RequestFlags.TUNNEL);
        if (context.settings().outbound().egress() == NodeSettings.Egress.DENY) {
            sendLocal(
                    ProxyErrors.EGRESS_DENIED,
                    "egress to \""
                            + request.uri()
                            + "\" is denied (rhizome.outbound.egress = deny)",
                    false);
            return;
        }
        HostAndPort hp = HostAndPort.of(request.uri());
        if (hp == null || hp.port() < 0) {
            sendLocal(
                    ProxyErrors.BAD_REQUEST,
                    "CONNECT target \"" + request.uri() + "\" (expected: host:port)",
                    false);
            return;
        }
        openTunnel(
                new HostPort(hp.host(), hp.port()),
                RequestRecord.Direction.OUTBOUND,
                "egress",
                "connect",
                "");
    }

    /**
     * A peer's node carries an opaque connection to one of this node's {@code tcp} services: {@code
     * CONNECT <service>:<port>} on the inbound port (the port is the instance's as the caller saw
     * it; this node's own configuration says where the instance is). Authorized by the caller's
     * identity and rate-limited like a request; answered 200 once the instance accepted the
     * connection.
     */
    private void onOpaqueConnect(HttpRequest request) {
        record.request(request.method().name(), request.uri(), "");
        record.flag(RequestFlags.TUNNEL);
        HostAndPort hp = HostAndPort.of(request.uri());
        if (hp == null || hp.port() < 0) {
            sendLocal(
                    ProxyErrors.BAD_REQUEST,
                    "CONNECT target \"" + request.uri() + "\" (expected: <service>:<port>)",
                    false);
            return;
        }
        String name = context.serviceName(hp.host());
        ServiceSettings service = context.localService(name);
        if (service == null) {
            sendLocal(
                    ProxyErrors.UNKNOWN_SERVICE,
                    "no instance of \"" + name + "\" on node " + context.settings().nodeName(),
                    false);
            return;
        }
        record.service(name);
        if (service.protocol() != ServiceSettings.Protocol.TCP) {
            sendLocal(
                    ProxyErrors.BAD_REQUEST,
                    "\""
                            + name
                            + "\" is not a tcp service (expected: CONNECT to a service with"
                            + " protocol = tcp; HTTP services take requests)",
                    false);
            return;
        }
        if (context.draining()) {
            // As a refused connect: the caller's node tries another endpoint.
            context.tcpStats()
                    .failed(
                            RequestRecord.Direction.INBOUND,
                            name,
                            MeshEndpoint.TCP,
                            callerOf(),
                            ProxyErrors.UPSTREAM_CONNECT_FAILURE.reason());
            sendLocal(
                    ProxyErrors.UPSTREAM_CONNECT_FAILURE,
                    "this node is draining: no new connections to \"" + name + "\"",
                    false);
            return;
        }
        String caller = PeerIdentity.of(ctx.channel()).orElse(null);
        if (LocalAdmission.check(context, name, request, caller, clientIp())
                instanceof LocalAdmission.Refused refused) {
            context.tcpStats()
                    .failed(
                            RequestRecord.Direction.INBOUND,
                            name,
                            MeshEndpoint.TCP,
                            callerOf(),
                            refused.error().reason());
            sendLocal(refused.error(), refused.message(), false, refused.retryAfterSeconds());
            return;
        }
        openTunnel(
                service.address(),
                RequestRecord.Direction.INBOUND,
                name,
                MeshEndpoint.TCP,
                caller == null ? "" : caller);
    }

    /**
     * Connects to {@code target}, answers the CONNECT with 200 once connected (502 when not), then
     * joins the two connections. Nothing the target says first is read before the join.
     */
    private void openTunnel(
            HostPort target,
            RequestRecord.Direction direction,
            String service,
            String kind,
            String caller) {
        tunnelling = true;
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        context.upstream()
                .clone(client.eventLoop())
                .option(
                        ChannelOption.AUTO_READ,
                        false) // what a server says first waits for the tunnel
                .handler(new ChannelInboundHandlerAdapter())
                .connect(InetSocketAddress.createUnresolved(target.host(), target.port()))
                .addListener(
                        (ChannelFuture f) -> {
                            if (!client.isActive()) {
                                f.channel().close();
                                return;
                            }
                            if (!f.isSuccess()) {
                                tunnelling = false;
                                context.tcpStats()
                                        .failed(
                                                direction,
                                                service,
                                                kind,
                                                caller,
                                                ProxyErrors.UPSTREAM_CONNECT_FAILURE.reason());
                                sendLocal(
                                        ProxyErrors.UPSTREAM_CONNECT_FAILURE,
                                        "cannot connect to " + target + ": " + describe(f.cause()),
                                        false);
                                return;
                            }
                            client.write(
                                    new DefaultFullHttpResponse(
                                            HttpVersion.HTTP_1_1,
                                            new HttpResponseStatus(200, "Connection Established")));
                            record.status(200);
                            record.upstream(target);
                            record.emit(context.observers(), System.nanoTime());
                            client.flush();
                            Tunnel.join(
                                    client,
                                    this,
                                    f.channel(),
                                    tunnelIdleMillis(),
                                    context.tunnels(),
                                    context.tcpStats()
                                            .opened(
                                                    direction,
                                                    service,
                                                    kind,
                                                    caller,
                                                    target.toString()));
                        });
    }

    /** The caller's verified identity on the inbound port, {@code ""} when none. */
    private String callerOf() {
        return mode == Mode.INBOUND ? PeerIdentity.of(ctx.channel()).orElse("") : "";
    }

    long tunnelIdleMillis() {
        return context.settings().proxy().tunnelIdleTimeout().toMillis();
    }

    // ---------------------------------------------------------------- local answers

    void sendLocal(ProxyErrors error, String message, boolean keepAlive) {
        sendLocal(error, message, keepAlive, 0);
    }

    /** A local answer; {@code retryAfterSeconds} > 0 adds {@code Retry-After}. */
    void sendLocal(ProxyErrors error, String message, boolean keepAlive, long retryAfterSeconds) {
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

    void resumeClient() {
        setAutoRead(ctx.channel(), true);
        while ((ex == null || !ex.requestDone) && !pending.isEmpty() && ctx.channel().isActive()) {
            handle(pending.poll());
        }
    }

    // ---------------------------------------------------------------- upstream side

    static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    void onTryTimeout(Exchange which) {
        if (ex == which) {
            which.onTryTimeoutFired();
        }
    }

    void onTimeout(Exchange which, String message) {
        if (ex == which) {
            which.onRouteTimeoutFired(message);
        }
    }

    /**
     * Pauses or resumes reading from a connection or HTTP/2 stream. Resuming a stream also flushes
     * it: the WINDOW_UPDATE for what it read while paused may be written without a flush, and the
     * sender waits for it.
     */
    static void setAutoRead(Channel ch, boolean on) {
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
    public void onUpstreamRefused() {
        if (ex != null) {
            ex.onUpstreamRefused();
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (ex != null && ex.headSent && !ex.requestDone) {
            setAutoRead(ctx.channel(), writable);
        }
    }

    /**
     * A connect failure in a few words (Netty's messages carry syscall details users need not see).
     */
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
