package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.PickContext;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.proxy.HopByHop;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Deadline;
import io.rhizome.mesh.node.resilience.Destination;
import io.rhizome.mesh.node.resilience.RequestLimit;
import io.rhizome.mesh.node.resilience.circuitbreaker.ConnectionLimit;
import io.rhizome.mesh.node.resilience.retry.RetryBudget;
import io.rhizome.mesh.node.routing.RoutedRule;
import io.rhizome.mesh.node.routing.SubsetFilter;
import io.rhizome.mesh.node.security.PeerIdentity;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response on a client connection, from the request line to the response's last
 * byte: the endpoint picks, the tries (retries, their timers and the replay of the held body), the
 * upstream connection of each try and the response's way back. {@link ProxyHandler} is its client
 * edge.
 */
final class Exchange {
    /** The client connection's handler: its context, its record and its local answers. */
    private final ProxyHandler edge;

    final HttpRequest request;
    final boolean clientKeepAlive;
    final HttpVersion clientVersion;
    final boolean idempotent;
    final boolean headRequest;

    /**
     * Where each try goes (the route's backends, the balancer, what was tried); null for egress and
     * inbound.
     */
    final Balance balance;

    final HostPort fixedTarget;
    final String label;
    final RoutedRule rule;
    final RetryPolicy retry;

    /** The destination's max-requests slot this request holds; released when it ends. */
    final RequestLimit limit;

    /** The retry budget of the service the request was addressed to; every retry asks it first. */
    final RetryBudget budget;

    /** The destination of the current try: its outlier policy judges the try's endpoint. */
    Destination destination = Destination.DEFAULT;

    /** The current try's handle in the endpoint stats; null between tries. */
    /** What the current try tells about its endpoint (balancer load, outlier detection). */
    final TryOutcome outcome;

    int retriesUsed;
    ScheduledFuture<?> routeTimer;

    /**
     * When the overall timeout (Route timeout or caller's deadline) runs out ({@code
     * System.nanoTime()}); 0: none.
     */
    long deadlineNanos;

    ScheduledFuture<?> tryTimer;
    boolean discardingResponse;

    /** Holds a max-pending slot of this limit while waiting for a connection; null otherwise. */
    ConnectionLimit pendingOn;

    /** Waiting for room under max-connections; null otherwise. */
    ConnectionLimit.Waiter waiter;

    ScheduledFuture<?> waitTimer;

    /**
     * The response being dropped says the peer never reached its instance: resend at once, no retry
     * spent.
     */
    boolean resendNow;

    /** The body's parts waiting for the connection and those held for a retry. */
    final HeldBody body;

    boolean keepClient;

    /**
     * A local instance's RateLimits admitted this request (once, whichever try took the shortcut).
     */
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

    /**
     * The current try goes over an HTTP/2 stream (the caller spoke HTTP/2, or the instance's
     * service says so).
     */
    boolean upstreamH2;

    /**
     * The caller sent {@code te: trailers} (gRPC does): kept toward HTTP/2 upstreams, where it is
     * not hop-by-hop.
     */
    final boolean teTrailers;

    final boolean grpcCall;

    /** The service of this node an inbound request is for; null otherwise. */
    final String localService;

    /**
     * A peer's HTTP/1.1 caller's request that crossed over HTTP/2: its instance is called over
     * HTTP/1.1.
     */
    final boolean callerSpokeHttp1;

    /**
     * The protocol the request asks to switch to ({@code Upgrade}, e.g. websocket); null for a
     * plain request.
     */
    final String upgrade;

    /** The upstream answered 101: once its head is written, both connections become a tunnel. */
    boolean upgraded;

    ProxyErrors lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
    int lastStatus;
    String lastMessage = "";

    Exchange(
            ProxyHandler edge,
            HttpRequest request,
            boolean clientKeepAlive,
            TargetResolver.Target t,
            RequestLimit limit,
            RetryBudget budget,
            long callerDeadlineMillis,
            String upgrade,
            boolean callerSpokeHttp1) {
        this.edge = edge;
        this.callerSpokeHttp1 = callerSpokeHttp1;
        this.grpcCall = edge.grpc;
        this.outcome = new TryOutcome(edge.context);
        this.upgrade = upgrade;
        this.limit = limit;
        this.budget = budget;
        this.clientVersion = request.protocolVersion();
        this.clientKeepAlive = clientKeepAlive;
        this.keepClient = clientKeepAlive;
        HttpMethod m = request.method();
        this.idempotent =
                m.equals(HttpMethod.GET)
                        || m.equals(HttpMethod.HEAD)
                        || m.equals(HttpMethod.OPTIONS)
                        || m.equals(HttpMethod.PUT)
                        || m.equals(HttpMethod.DELETE)
                        || m.equals(HttpMethod.TRACE);
        this.headRequest = m.equals(HttpMethod.HEAD);
        this.balance =
                t.service() == null
                        ? null
                        : new Balance(edge.context, t.service(), t.subset(), t.rule());
        this.fixedTarget = t.address();
        this.label = t.label();
        this.rule = t.rule();
        this.localService = t.localService();
        this.retry = t.rule() == null ? RetryPolicy.DEFAULT : RetryPolicy.of(t.rule().retries());
        // A non-idempotent request is held for replay only when its route opts in to retrying it.
        // Held also wherever an HTTP/2 peer may refuse the stream unprocessed: then any method goes
        // elsewhere.
        boolean mayCrossHttp2 =
                edge.http2
                        || edge.context.settings().proxy().peerProtocol()
                                == NodeSettings.PeerProtocol.HTTP2;
        this.body =
                new HeldBody(
                        idempotent || retry.nonIdempotent() || grpcRetries() || mayCrossHttp2,
                        edge.context.settings().proxy().maxRetryBuffer());
        long routeMillis =
                t.rule() != null && t.rule().timeout().isPresent()
                        ? t.rule().timeout().get().toMillis()
                        : 0L;
        if (routeMillis > 0 || callerDeadlineMillis > 0) {
            // The earlier of the Route's timeout and the caller's deadline header bounds the whole
            // request.
            boolean callers =
                    callerDeadlineMillis > 0
                            && (routeMillis <= 0 || callerDeadlineMillis < routeMillis);
            long ms = callers ? callerDeadlineMillis : routeMillis;
            String why =
                    callers ? "the caller's " + Deadline.HEADER : "timeout of " + t.rule().id();
            deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            final Exchange self = this;
            routeTimer =
                    edge.ctx
                            .executor()
                            .schedule(
                                    () ->
                                            edge.onTimeout(
                                                    self,
                                                    "no response within "
                                                            + ms
                                                            + "ms ("
                                                            + why
                                                            + ")"),
                                    ms,
                                    TimeUnit.MILLISECONDS);
        }
        this.request = request;
        this.teTrailers =
                request.headers()
                        .containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
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
        if (balance != null) {
            String service = balance.service();
            SubsetFilter subset = balance.subset();
            Destination d = edge.context.destinations().forService(service);
            destination = d;
            connectTimeoutMillis = d.connectTimeoutMillis();
            EndpointSelector.Pick pick = balance.next(d, () -> pickContext(d));
            if (pick instanceof EndpointSelector.Chosen chosen) {
                endpoint = chosen.endpoint();
                target = endpoint.target();
                edge.record.upstream(target);
                edge.record.subset(subset.text());
                edge.record.local(endpoint.local());
                if (endpoint.local() && !admittedLocally) {
                    // The local shortcut skips the instance's inbound port, not its inbound policy;
                    // the caller is this node's own app.
                    if (LocalAdmission.check(
                                    edge.context,
                                    endpoint.service(),
                                    request,
                                    edge.context.selfIdentity(),
                                    edge.clientIp())
                            instanceof LocalAdmission.Refused refused) {
                        refusedLocally(refused);
                        return;
                    }
                    admittedLocally = true;
                }
            } else if (attempts > 0) {
                if (balance.switchBackend()) {
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
                fail(
                        ProxyErrors.NO_HEALTHY_ENDPOINT,
                        subset.labels().isEmpty()
                                ? "none of the "
                                        + none.endpoints()
                                        + " endpoints of \""
                                        + service
                                        + "\" is healthy"
                                : "no healthy endpoint of \""
                                        + service
                                        + "\" in subset "
                                        + subset.labels());
                return;
            }
        } else {
            target = fixedTarget;
            edge.record.upstream(target);
        }
        upstreamH2 = speaksHttp2();
        attempts++;
        if (balance != null) {
            outcome.start(endpoint, destination);
        }
        // mTLS to a peer's inbound port only: the local shortcut and egress stay plaintext.
        String identity =
                endpoint != null && !endpoint.local() && edge.context.tls().enabled()
                        ? edge.context.tls().expectedPeer(endpoint.identity())
                        : null;
        if (upstreamH2) {
            openStream(connectTimeoutMillis, identity);
            return;
        }
        connectHttp1(connectTimeoutMillis, identity);
    }

    /** An HTTP/1.1 connection to the target: an idle pooled one, or a new one. */
    private void connectHttp1(int connectTimeoutMillis, String identity) {
        Channel pooled = edge.context.pool().poll(target, identity);
        if (pooled != null) {
            attach(pooled, true);
            return;
        }
        openConnection(connectTimeoutMillis, identity);
    }

    /**
     * Whether this try goes over HTTP/2: to a peer's inbound port when the caller spoke HTTP/2 (the
     * far side restores nothing: it calls its instance the same way), to an instance when the
     * caller did or its service is {@code protocol = http2}; egress stays HTTP/1.1.
     */
    private boolean speaksHttp2() {
        if (upgrade != null) {
            return false; // an upgrade is HTTP/1.1's (RFC 8441's extended CONNECT is not supported)
        }
        if (endpoint != null && !endpoint.local()) {
            // HTTP/2 callers' streams always; HTTP/1.1 callers' requests when proxy.peer-protocol
            // says so.
            return edge.http2
                    || edge.context.settings().proxy().peerProtocol()
                            == NodeSettings.PeerProtocol.HTTP2;
        }
        String instance = endpoint != null ? endpoint.service() : localService;
        if (instance == null) {
            return false; // egress
        }
        if (edge.context.speaksHttp2(instance)) {
            return true;
        }
        // protocol = http: the caller's protocol (a peer's HTTP/1.1 caller's when it crossed over
        // HTTP/2),
        // unless the instance was found to speak HTTP/1.1 only.
        return edge.http2
                && !callerSpokeHttp1
                && (grpcCall || !edge.context.http2().knownHttp1Only(target));
    }

    /**
     * An HTTP/2 caller's request to an instance of a {@code protocol = http} service whose port did
     * not answer HTTP/2's preface: it goes over HTTP/1.1 instead (nothing of it was sent). Not for
     * gRPC, which needs HTTP/2, nor for peers or {@code protocol = http2} services, which speak it.
     */
    private boolean fallsBackToHttp1(Throwable cause) {
        if (!(cause instanceof Http2Upstreams.NotHttp2Exception) || grpcCall) {
            return false;
        }
        String instance =
                endpoint != null ? (endpoint.local() ? endpoint.service() : null) : localService;
        return instance != null && !edge.context.speaksHttp2(instance);
    }

    /**
     * A new stream on a shared HTTP/2 connection to the target (max-connections does not apply:
     * streams share connections).
     */
    private void openStream(int connectTimeoutMillis, String identity) {
        final Exchange self = this;
        edge.context
                .http2()
                .openStream(edge.ctx.channel().eventLoop(), target, identity, connectTimeoutMillis)
                .addListener(
                        (io.netty.util.concurrent.Future<Http2StreamChannel> f) -> {
                            if (edge.ex != self) {
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

    /**
     * No idle connection to the target: open one, within the destination's max-connections and
     * max-pending.
     */
    private void openConnection(int connectTimeoutMillis, String identity) {
        ConnectionLimit cl = destination.connections();
        if (cl.limited()) {
            if (pendingOn == null) {
                if (!cl.tryStartPending()) {
                    overflow(
                            "already has "
                                    + cl.maxPending()
                                    + " requests waiting for a connection from this node"
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
        ChannelFuture connecting =
                edge.context
                        .pool()
                        .connect(
                                edge.ctx.channel().eventLoop(),
                                target,
                                edge.context.settings().proxy().maxHeaderSize(),
                                connectTimeoutMillis,
                                identity);
        if (cl.limited()) {
            connecting.channel().closeFuture().addListener(c -> cl.closed());
        }
        connecting.addListener(
                (ChannelFuture f) -> {
                    endPending();
                    if (edge.ex != self) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        attach(f.channel(), false);
                    } else {
                        onConnectFailure(f.cause());
                    }
                });
    }

    /**
     * At max-connections: wait for a connection of the service to close, at most the connect
     * timeout.
     */
    private void awaitRoom(ConnectionLimit cl, int connectTimeoutMillis, String identity) {
        final Exchange self = this;
        long wait =
                connectTimeoutMillis > 0
                        ? connectTimeoutMillis
                        : edge.context.settings().proxy().connectTimeout().toMillis();
        waiter =
                cl.await(
                        edge.ctx.executor(),
                        () -> {
                            if (edge.ex == self && waiter != null) {
                                waiter = null;
                                ProxyHandler.cancel(waitTimer);
                                openConnection(connectTimeoutMillis, identity);
                            }
                        });
        waitTimer =
                edge.ctx
                        .executor()
                        .schedule(
                                () -> {
                                    ConnectionLimit.Waiter w = waiter;
                                    if (edge.ex == self && w != null && w.cancel()) {
                                        waiter = null;
                                        overflow(
                                                "has had "
                                                        + cl.maxConnections()
                                                        + " connections open from this node for "
                                                        + wait
                                                        + "ms (circuit-breaker max-connections)");
                                    }
                                },
                                wait,
                                TimeUnit.MILLISECONDS);
    }

    /** A circuit breaker turned the request away before anything was sent: 503 overflow. */
    private void overflow(String why) {
        tryIgnored(); // says nothing about the endpoint
        fail(ProxyErrors.OVERFLOW, "\"" + balance.service() + "\" " + why);
    }

    private void endPending() {
        ConnectionLimit p = pendingOn;
        pendingOn = null;
        if (p != null) {
            p.endPending();
        }
    }

    /**
     * A finished connection goes back to the pool, unless requests wait for room under
     * max-connections.
     */
    private void release(Channel up) {
        if (upstreamH2 || destination.connections().hasWaiters()) {
            // A finished HTTP/2 stream is not reused; its connection stays open for the next one.
            up.pipeline().get(BackendHandler.class).attach(null);
            up.close();
        } else {
            edge.context.pool().release(up, target);
        }
    }

    /** What a hashing balancer hashes: the policy's hash-on value of this request. */
    private PickContext pickContext(Destination d) {
        if (!d.spec().hasHashOn()) {
            return PickContext.NONE;
        }
        return PickContext.of(d.spec().getHashOn(), new NettyRequestView(request), edge.clientIp());
    }

    private void trySucceeded() {
        outcome.succeeded();
    }

    private void tryFailed() {
        if (outcome.failed()) {
            edge.record.flag(RequestFlags.EJECTED);
        }
    }

    private void tryRefused() {
        if (outcome.refused()) {
            edge.record.flag(RequestFlags.EJECTED);
        }
    }

    private void tryIgnored() {
        outcome.ignored();
    }

    /**
     * A retry has somewhere to go: an untried endpoint of the rule's backends (egress: the same
     * address).
     */
    private boolean hasNextTarget() {
        return balance == null || balance.hasNext();
    }

    private void onConnectFailure(Throwable cause) {
        tryRefused();
        lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
        lastMessage = "cannot connect to " + describeTarget() + ": " + ProxyHandler.describe(cause);
        // Idle pooled connections to a target that refuses new ones are dead too.
        edge.context.pool().closeIdle(target);
        if (endpoint != null) {
            // Nothing was sent yet, so trying another endpoint is always safe.
            if (attempts < ProxyHandler.MAX_ATTEMPTS) {
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
        ch.pipeline().get(BackendHandler.class).attach(edge);
        ch.config().setAutoRead(true);
        if (deadlineNanos != 0 && endpoint != null && !endpoint.local()) {
            // A peer's inbound port honours what is left of the deadline (relative: clocks need not
            // agree).
            request.headers()
                    .set(Deadline.HEADER, Deadline.format(deadlineNanos, System.nanoTime()));
        } else {
            request.headers().remove(Deadline.HEADER);
        }
        if (rule != null) {
            // The peer serves the service its Host names, unless told which backend service this
            // is.
            if (endpoint != null
                    && !endpoint.local()
                    && !endpoint.service().equals(rule.service())) {
                request.headers().set(TargetResolver.SERVICE_HEADER, endpoint.service());
            } else {
                request.headers().remove(TargetResolver.SERVICE_HEADER);
            }
        }
        if (grpcCall && deadlineNanos != 0) {
            request.headers()
                    .set(
                            Deadline.GRPC_HEADER,
                            Deadline.formatGrpc(deadlineNanos, System.nanoTime()));
        }
        if (upstreamH2 && !edge.http2 && endpoint != null && !endpoint.local()) {
            request.headers()
                    .set(
                            TargetResolver.PROTOCOL_HEADER,
                            TargetResolver.HTTP1); // the far side calls its instance so
        } else if (!edge.http2) {
            request.headers()
                    .remove(TargetResolver.PROTOCOL_HEADER); // an earlier try's (HTTP/2 to a peer)
        }
        if (teTrailers) { // HopByHop dropped it; HTTP/2 keeps it (an earlier HTTP/2 try may have
            // set it)
            if (upstreamH2) {
                request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            } else {
                request.headers().remove(HttpHeaderNames.TE);
            }
        }
        ch.write(request);
        HttpContent c;
        while ((c = body.nextWaiting()) != null) {
            writeUpstream(c);
        }
        ch.flush();
        headSent = true;
        if (!requestDone) {
            ProxyHandler.setAutoRead(edge.ctx.channel(), ch.isWritable());
        }
        if (retry.perTryTimeoutMillis() > 0) {
            ProxyHandler.cancel(tryTimer);
            final Exchange self = this;
            tryTimer =
                    edge.ctx
                            .executor()
                            .schedule(
                                    () -> edge.onTryTimeout(self),
                                    retry.perTryTimeoutMillis(),
                                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Retries are allowed for this request: its body is held for replay and its method may repeat.
     */
    private boolean canRetry() {
        return requestDone
                && body.replayable()
                && (idempotent || retry.nonIdempotent() || grpcRetries())
                && retriesUsed < retry.attempts();
    }

    /**
     * A gRPC call whose route retries gRPC conditions: held for replay like an idempotent request,
     * while its body fits the retry buffer (a streaming call's messages beyond it make it not
     * retried).
     */
    private boolean grpcRetries() {
        return grpcCall && retry.hasGrpcConditions();
    }

    /**
     * Takes a retry from the destination's budget; asked last, once a retry is otherwise decided.
     */
    private boolean budgetAllowsRetry() {
        if (budget.tryRetry()) {
            return true;
        }
        edge.record.flag(RequestFlags.RETRY_BUDGET_EXHAUSTED);
        return false;
    }

    private void retryAfterBackoff() {
        retriesUsed++;
        requeueReplay();
        final Exchange self = this;
        edge.ctx
                .executor()
                .schedule(
                        () -> {
                            if (edge.ex == self) {
                                connect();
                            }
                        },
                        retry.backoffMillis(retriesUsed),
                        TimeUnit.MILLISECONDS);
    }

    /** The next try sends the head and the held body again. */
    private void requeueReplay() {
        headSent = false;
        body.requeue();
    }

    void onTryTimeoutFired() {
        if (responseStarted || upstream == null) {
            return;
        }
        closeUpstream();
        tryFailed();
        edge.record.flag(RequestFlags.TIMEOUT);
        lastError = ProxyErrors.TIMEOUT;
        lastMessage =
                "no response from "
                        + describeTarget()
                        + " within the per-try timeout of "
                        + retry.perTryTimeoutMillis()
                        + "ms";
        if (canRetry() && budgetAllowsRetry()) {
            retryAfterBackoff();
        } else {
            fail(lastError, lastMessage);
        }
    }

    void onRouteTimeoutFired(String message) {
        edge.record.flag(RequestFlags.TIMEOUT);
        if (responseStarted) {
            closeUpstream();
            truncate();
        } else {
            fail(ProxyErrors.TIMEOUT, message);
        }
    }

    private void cancelTimers() {
        ProxyHandler.cancel(routeTimer);
        ProxyHandler.cancel(tryTimer);
    }

    private void writeUpstream(HttpContent c) {
        body.written(c);
        if (c instanceof LastHttpContent) {
            requestDone = true;
        }
        upstream.write(c);
    }

    void onClientContent(HttpContent c) {
        edge.record.addRequestBytes(c.content().readableBytes());
        if (c.decoderResult().isFailure()) {
            // A broken body (an invalid chunk size): the upstream connection closes mid-request, so
            // the instance never sees a whole request; the client learns why when it can still be
            // told.
            Throwable cause = c.decoderResult().cause();
            c.release();
            boolean answer = !responseStarted;
            abandon();
            edge.ex = null;
            if (answer) {
                edge.sendLocal(
                        ProxyErrors.BAD_REQUEST,
                        "malformed request body: "
                                + String.valueOf(cause.getMessage()).split("\n")[0],
                        false);
            } else {
                edge.ctx.close();
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        if (last && upgrade != null) {
            // Whatever the client sends next belongs to the new protocol: it waits for the 101.
            edge.ctx.channel().config().setAutoRead(false);
        }
        if (!headSent) {
            body.await(c);
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
                edge.ctx.channel().config().setAutoRead(false);
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
                    fail(
                            ProxyErrors.UPSTREAM_RESET,
                            describeTarget() + " sent a malformed response");
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
                    fail(
                            ProxyErrors.UPSTREAM_RESET,
                            describeTarget()
                                    + " switched protocols unasked (101 to a request without Upgrade)");
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
            ProxyErrors peer =
                    endpoint != null && !endpoint.local()
                            ? ProxyErrors.ofPeer(code, response.headers().get(ProxyErrors.HEADER))
                            : null;
            boolean peerRefused = peer == ProxyErrors.UPSTREAM_CONNECT_FAILURE;
            if (peerRefused) {
                tryRefused();
            } else if ((peer != null ? peer.status() : code) < 500) {
                trySucceeded();
            } else {
                tryFailed();
            }
            resendNow =
                    peerRefused
                            && requestDone
                            && body.replayable()
                            && attempts < ProxyHandler.MAX_ATTEMPTS
                            && hasNextTarget();
            boolean grpcRetriable =
                    grpcCall
                            && msg instanceof LastHttpContent
                            && retry.retriesGrpc(grpcStatusOf(response.headers()));
            if (resendNow
                    || ((retry.retriesStatus(code)
                                    || (peer == ProxyErrors.UPSTREAM_RESET && retry.retriesReset())
                                    || grpcRetriable)
                            && canRetry()
                            && hasNextTarget()
                            && budgetAllowsRetry())) {
                // Answered with a status the route retries: drop this response, try elsewhere.
                // With no untried endpoint left, the response goes to the client as it is.
                ProxyHandler.cancel(tryTimer);
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
            ProxyHandler.cancel(tryTimer);
            responseStarted = true;
            edge.record.status(code);
            if (grpcCall) {
                recordGrpcStatus(
                        response.headers()); // a trailers-only answer carries it in its head
            }
            dropReplay();
            prepareResponse(response);
            if (msg instanceof LastHttpContent) {
                finish(msg);
            } else {
                edge.ctx.write(response);
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
            boolean last =
                    msg
                            instanceof
                            LastHttpContent; // a 101 has no body: its empty end comes at once
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
        edge.record.addResponseBytes(content.content().readableBytes());
        edge.ctx.writeAndFlush(content);
        if (!edge.ctx.channel().isWritable() && upstream != null) {
            upstream.config().setAutoRead(false);
        }
    }

    /**
     * The upstream accepted the upgrade: the 101 goes to the client with the upgrade's two fields
     * (the route's response edits apply), and the request is over as a request (its record says
     * 101).
     */
    private void switchingProtocols(HttpResponse response, boolean full) {
        cancelTimers(); // a route timeout bounds the handshake, not the tunnel's life
        trySucceeded();
        responseStarted = true;
        upgraded = true;
        edge.record.status(101);
        edge.record.flag(RequestFlags.TUNNEL);
        dropReplay();
        HttpHeaders h = response.headers();
        String protocol = h.get(HttpHeaderNames.UPGRADE, upgrade);
        if (rule != null) {
            HeaderEditor.apply(rule.responseHeaders(), h);
        }
        HopByHop.strip(h);
        Tunnel.keepUpgrade(h, protocol);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        edge.ctx.write(response);
        if (full) {
            joinTunnel(true);
        }
    }

    /**
     * The 101's end: the connections leave HTTP and carry bytes both ways until either side closes.
     */
    private void joinTunnel(boolean headWasFull) {
        Channel up = upstream;
        upstream = null;
        if (!headWasFull) {
            edge.ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        edge.ctx.flush();
        tryIgnored();
        releaseBuffers();
        ended();
        edge.ex = null;
        edge.tunnelling = true;
        edge.record.emit(edge.context.observers(), System.nanoTime());
        Object m;
        while ((m = edge.pending.poll()) != null) {
            ReferenceCountUtil.release(
                    m); // a client waits for the 101 before it speaks the new protocol
        }
        boolean inbound = edge.mode == ProxyHandler.Mode.INBOUND;
        String svc =
                localService != null
                        ? localService
                        : balance != null ? balance.service() : "egress";
        String caller = inbound ? PeerIdentity.of(edge.ctx.channel()).orElse("") : "";
        Tunnel.join(
                edge.ctx.channel(),
                edge,
                up,
                edge.tunnelIdleMillis(),
                edge.context.tunnels(),
                edge.context
                        .tcpStats()
                        .opened(
                                inbound
                                        ? RequestRecord.Direction.INBOUND
                                        : RequestRecord.Direction.OUTBOUND,
                                svc,
                                "upgrade",
                                caller,
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
        if (edge.mode == ProxyHandler.Mode.INBOUND && edge.context.draining()) {
            keepClient = false;
        }
        if (!keepClient) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(
                clientVersion.equals(HttpVersion.HTTP_1_0)
                        ? HttpVersion.HTTP_1_0
                        : HttpVersion.HTTP_1_1);
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
        edge.ex = null;
        if (last instanceof HttpContent content) {
            edge.record.addResponseBytes(content.content().readableBytes());
        }
        if (grpcCall && last instanceof LastHttpContent trailers) {
            recordGrpcStatus(trailers.trailingHeaders());
        }
        edge.record.emit(edge.context.observers(), System.nanoTime());
        ChannelFuture written = edge.ctx.writeAndFlush(last);
        if (!requestDone || !keepClient) {
            // A response that ends before its request cannot leave the connection in sync.
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        edge.resumeClient();
    }

    /**
     * The try's upstream went away: true when that happened before the response started (the try
     * can end in another); a response broken off is truncated; nothing to do when no try was
     * upstream.
     */
    private boolean lostBeforeResponse() {
        Channel was = upstream;
        upstream = null;
        if (was == null) {
            return false;
        }
        if (responseStarted) {
            truncate();
            return false;
        }
        ProxyHandler.cancel(tryTimer);
        return true;
    }

    void onUpstreamClosed() {
        if (!lostBeforeResponse()) {
            return;
        }
        lastError = ProxyErrors.UPSTREAM_RESET;
        lastMessage = describeTarget() + " closed the connection before responding";
        // A stale pooled connection says nothing about the endpoint and costs no retry.
        boolean stale =
                reusedConnection
                        && requestDone
                        && body.replayable()
                        && idempotent
                        && attempts < ProxyHandler.MAX_ATTEMPTS;
        if (stale) {
            tryIgnored();
        } else {
            tryFailed();
        }
        if (reusedConnection) {
            edge.context
                    .pool()
                    .closeIdle(
                            target); // its siblings were opened to the same peer: likely closed too
        }
        // A stale pooled connection's replay is not a retry: the budget is not asked.
        boolean canReplay = stale || (retry.retriesReset() && canRetry() && budgetAllowsRetry());
        if (canReplay && !stale) {
            retriesUsed++;
        }
        if (canReplay) {
            if (endpoint != null && reusedConnection) {
                balance.untried(
                        endpoint.id()); // a stale pooled connection says nothing about the endpoint
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

    /**
     * The peer refused the HTTP/2 stream unprocessed (it is going away, or at its stream limit): as
     * with a refused connect, the request goes to another endpoint at once, no retry spent,
     * whatever its method, while its body is held.
     */
    void onUpstreamRefused() {
        if (!lostBeforeResponse()) {
            return;
        }
        tryIgnored(); // says nothing about the endpoint's health; it is not tried again for this
        // request
        lastError = ProxyErrors.UPSTREAM_CONNECT_FAILURE;
        lastMessage =
                describeTarget()
                        + " refused the stream unprocessed (going away, or at its stream limit)";
        // The body need not have ended: what came of it is held, what is still to come follows the
        // new try.
        if (body.replayable() && attempts < ProxyHandler.MAX_ATTEMPTS && hasNextTarget()) {
            requeueReplay();
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
        edge.ex = null;
        boolean keep = keepClient && requestDone;
        edge.sendLocal(error, message, keep);
        if (keep) {
            edge.resumeClient();
        }
    }

    /**
     * The local instance's Authorization or RateLimit refused the request: its body dropped, the
     * connection kept.
     */
    private void refusedLocally(LocalAdmission.Refused refused) {
        cancelTimers();
        closeUpstream();
        tryIgnored();
        releaseBuffers();
        ended();
        edge.ex = null;
        boolean keep = keepClient;
        edge.discarding = keep && !requestDone;
        edge.sendLocal(refused.error(), refused.message(), keep, refused.retryAfterSeconds());
        if (keep) {
            edge.resumeClient();
        }
    }

    /** The response broke off after it started: the client learns by the connection closing. */
    private void truncate() {
        cancelTimers();
        tryIgnored(); // counted when the head arrived
        releaseBuffers();
        ended();
        edge.ex = null;
        edge.record.flag(RequestFlags.TRUNCATED);
        edge.record.emit(edge.context.observers(), System.nanoTime());
        edge.ctx.flush();
        edge.ctx.close();
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
        edge.record.flag(RequestFlags.CLIENT_ABORT);
        edge.record.emit(edge.context.observers(), System.nanoTime());
    }

    /** The request is over, whichever way: its in-flight count and its max-requests slot go. */
    private void ended() {
        ConnectionLimit.Waiter w = waiter;
        waiter = null;
        if (w != null) {
            w.cancel();
        }
        ProxyHandler.cancel(waitTimer);
        endPending();
        edge.context.inFlight().decrementAndGet();
        limit.release();
        edge.record.retries(retriesUsed);
        if (retriesUsed > 0) {
            edge.record.flag(RequestFlags.RETRIED);
        }
    }

    private void recordGrpcStatus(HttpHeaders h) {
        int status = grpcStatusOf(h);
        if (status >= 0) {
            edge.record.grpcStatus(status);
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
        body.dropReplay();
    }

    private void releaseBuffers() {
        body.release();
    }
}
