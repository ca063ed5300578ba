package io.rhizome.mesh.node.proxy.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.BindFailure;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.node.security.authz.AuthorizationStats;
import io.rhizome.mesh.node.security.tls.InboundTlsHandler;
import io.rhizome.mesh.node.security.tls.MeshTls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane on Netty: HTTP/1.1 and HTTP/2 (told apart per connection by {@link
 * ProtocolDetector}), one small event-loop group shared by both listeners and their upstream
 * connections (an upstream connection lives on its client connection's loop, so a request never
 * crosses threads), pooled keep-alive connections per endpoint.
 */
public final class NettyDataPlane implements DataPlane {
    private static final Logger log = LoggerFactory.getLogger(NettyDataPlane.class);

    private final ProxyContext context;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelType;
    private final ChannelGroup listeners = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChannelGroup upstreamListeners =
            new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private NettyDataPlane(
            ProxyContext context,
            EventLoopGroup group,
            Class<? extends ServerChannel> serverChannelType) {
        this.context = context;
        this.group = group;
        this.serverChannelType = serverChannelType;
    }

    /** A data plane with no policy resources (round robin, mesh defaults), plaintext. */
    public static NettyDataPlane create(
            NodeSettings settings, MeshView view, EndpointSelector selector) {
        return create(settings, view, selector, new PolicyView());
    }

    /** A plaintext data plane. */
    public static NettyDataPlane create(
            NodeSettings settings, MeshView view, EndpointSelector selector, PolicyView policy) {
        return create(settings, view, selector, policy, MeshTls.disabled());
    }

    /** With {@code tls} enabled, the inbound port speaks mTLS only and calls to peers use it. */
    public static NettyDataPlane create(
            NodeSettings settings,
            MeshView view,
            EndpointSelector selector,
            PolicyView policy,
            MeshTls tls) {
        leakDetectionOffUnlessAsked();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(settings.proxy().ioThreads(), io);
        Class<? extends SocketChannel> clientType =
                epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Bootstrap upstream =
                new Bootstrap()
                        .channel(clientType)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) settings.proxy().connectTimeout().toMillis());
        ProxyContext context =
                new ProxyContext(
                        settings, view, selector, policy, upstream, new AtomicInteger(), tls);
        if (tls.enabled()) {
            // On the local shortcut the caller is this node's own app: Authorizations see its
            // identity.
            context.selfIdentity(tls.identity().toString());
        }
        return new NettyDataPlane(
                context,
                group,
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class);
    }

    /**
     * Netty's default leak detection records a stack trace (a Throwable) for one buffer in 128 and
     * again when it is released: on the mesh path that was 1.5 % of the event loop's CPU and most
     * of its exceptions (JFR). It is off unless {@code -Dio.netty.leakDetection.level} asks for it.
     */
    static void leakDetectionOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    @Override
    public void start() {
        NodeSettings s = context.settings();
        bind("rhizome.outbound.port", s.outbound().address(), ProxyHandler.Mode.OUTBOUND);
        bind("rhizome.inbound.port", s.inbound(), ProxyHandler.Mode.INBOUND);
        for (int i = 0; i < s.upstreams().size(); i++) {
            bindUpstream("rhizome.upstreams[" + i + "].listen", s.upstreams().get(i));
        }
    }

    /**
     * A local listener for one mesh service: each connection goes to that service, as opaque bytes
     * when its endpoints say {@code tcp}, as HTTP naming the service otherwise (decided per
     * connection from the registry, so a service that appears later is served without a restart).
     */
    private void bindUpstream(String key, NodeSettings.Upstream upstream) {
        NodeSettings.Proxy p = context.settings().proxy();
        String service = upstream.service();
        HttpDecoderConfig decoder = decoderConfig(p);
        RequestValidator validator = new RequestValidator(p.maxHeaderCount());
        AtomicBoolean missing = new AtomicBoolean();
        Channel listener =
                listen(
                        key,
                        upstream.listen(),
                        ch -> {
                            List<MeshEndpoint> endpoints =
                                    context.view().current().endpoints(service);
                            if (endpoints.isEmpty()
                                    && !context.policy().current().routes().hasRoutes(service)) {
                                if (missing.compareAndSet(false, true)) {
                                    log.warn(
                                            "{}: no mesh service named \"{}\" (yet): its connections are closed until it appears",
                                            key,
                                            service);
                                }
                                context.tcpStats()
                                        .failed(
                                                RequestRecord.Direction.OUTBOUND,
                                                service,
                                                MeshEndpoint.TCP,
                                                "",
                                                io.rhizome.mesh.node.proxy.ProxyErrors
                                                        .UNKNOWN_SERVICE
                                                        .reason());
                                ch.close();
                                return;
                            }
                            if (missing.compareAndSet(true, false)) {
                                log.info(
                                        "{}: mesh service \"{}\" appeared; its listener serves it",
                                        key,
                                        service);
                            }
                            if (!endpoints.isEmpty() && endpoints.get(0).tcp()) {
                                ch.config()
                                        .setAutoRead(
                                                false); // the client's bytes wait for the tunnel
                                ch.pipeline()
                                        .addLast(
                                                "idle",
                                                new IdleCheck(p.tunnelIdleTimeout().toMillis()))
                                        .addLast("tcp", new TcpCaller(context, service));
                                return;
                            }
                            ch.pipeline()
                                    .addLast("idle", new IdleCheck(p.idleTimeout().toMillis()))
                                    .addLast(
                                            "detect",
                                            new ProtocolDetector(
                                                    pipeline ->
                                                            http1(
                                                                    pipeline,
                                                                    decoder,
                                                                    validator,
                                                                    ProxyHandler.Mode.OUTBOUND,
                                                                    service),
                                                    pipeline ->
                                                            Http2ServerEdge.install(
                                                                    pipeline,
                                                                    context,
                                                                    ProxyHandler.Mode.OUTBOUND,
                                                                    service)));
                        });
        upstreamListeners.add(listener);
        log.info("upstream listener for {} bound on {}", service, upstream.listen());
    }

    private void bind(String key, HostPort address, ProxyHandler.Mode mode) {
        NodeSettings.Proxy p = context.settings().proxy();
        HttpDecoderConfig decoder = decoderConfig(p);
        RequestValidator validator = new RequestValidator(p.maxHeaderCount());
        listen(
                key,
                address,
                ch -> {
                    if (mode == ProxyHandler.Mode.INBOUND && context.tls().enabled()) {
                        InboundTlsHandler.install(
                                ch, context.tls()); // TLS only: plain HTTP fails the handshake
                    }
                    ch.pipeline()
                            .addLast("idle", new IdleCheck(p.idleTimeout().toMillis()))
                            .addLast(
                                    "detect",
                                    new ProtocolDetector(
                                            pipeline ->
                                                    http1(pipeline, decoder, validator, mode, null),
                                            pipeline ->
                                                    Http2ServerEdge.install(
                                                            pipeline, context, mode)));
                });
        log.info(
                "{} listener bound on {}", mode.name().toLowerCase(java.util.Locale.ROOT), address);
    }

    /**
     * A listener on {@code address} whose connections {@code init} sets up; a bind failure stops
     * what was started and names {@code key}.
     */
    private Channel listen(String key, HostPort address, Consumer<SocketChannel> init) {
        ServerBootstrap b =
                new ServerBootstrap()
                        .group(group)
                        .channel(serverChannelType)
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        connections.add(ch);
                                        init.accept(ch);
                                    }
                                });
        try {
            Channel ch = b.bind(address.host(), address.port()).sync().channel();
            listeners.add(ch);
            return ch;
        } catch (Exception e) {
            stop(Duration.ZERO);
            throw new BindFailure(key, address.toString(), e);
        }
    }

    private static HttpDecoderConfig decoderConfig(NodeSettings.Proxy p) {
        return decoderConfig(p.maxInitialLineLength(), p.maxHeaderSize());
    }

    static HttpDecoderConfig decoderConfig(int maxInitialLineLength, int maxHeaderSize) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxChunkSize(64 * 1024)
                // RFC 9112: Content-Length beside Transfer-Encoding, a final coding other than
                // chunked,
                // and Transfer-Encoding on HTTP/1.0 are errors (smuggling), and so are bare CRs in
                // lines.
                .setUseRfc9112TransferEncoding(true)
                .setStrictLineParsing(true);
    }

    /**
     * HTTP/1.1's handlers at the end of a client connection's pipeline; {@code fixedService}: an
     * upstream listener's.
     */
    private void http1(
            ChannelPipeline pipeline,
            HttpDecoderConfig decoder,
            RequestValidator validator,
            ProxyHandler.Mode mode,
            String fixedService) {
        http1Decoding(pipeline, decoder, validator);
        pipeline.addLast("proxy", new ProxyHandler(context, mode, false, fixedService));
    }

    /**
     * What turns a client's HTTP/1.1 bytes into checked requests, before the proxy (tests build the
     * same).
     */
    static void http1Decoding(
            ChannelPipeline pipeline, HttpDecoderConfig decoder, RequestValidator validator) {
        ObsFoldGuard folds = new ObsFoldGuard(); // refuses obs-fold, which the decoder would unfold
        pipeline.addLast("obs-fold", folds)
                .addLast("codec", new HttpServerCodec(decoder))
                // validation, the obs-fold tracker and 100-continue in one hop
                .addLast("validate", new RequestGate(validator, folds));
    }

    @Override
    public io.rhizome.mesh.node.resilience.DestinationPolicies destinations() {
        return context.destinations();
    }

    @Override
    public io.rhizome.mesh.node.resilience.ratelimit.RateLimits rateLimits() {
        return context.rateLimits();
    }

    @Override
    public RequestObservers observers() {
        return context.observers();
    }

    @Override
    public io.rhizome.mesh.node.observability.metrics.Http2Stats http2Stats() {
        return context.http2Stats();
    }

    @Override
    public AuthorizationStats authorizationStats() {
        return context.authorizations().stats();
    }

    @Override
    public void selfIdentity(String spiffeId) {
        context.selfIdentity(spiffeId);
    }

    @Override
    public int inFlight() {
        return context.inFlight().get();
    }

    @Override
    public io.rhizome.mesh.node.observability.TcpStats tcpStats() {
        return context.tcpStats();
    }

    @Override
    public int openTunnels() {
        return context.tunnels().get();
    }

    @Override
    public void drain() {
        context.draining(true);
        // The app's new connections to mesh services stop here; open ones run on within the drain.
        upstreamListeners.close();
        // HTTP/2 clients learn at once: GOAWAY lets the streams they have open finish and takes no
        // new
        // ones. Its last stream id is the highest possible, as in a graceful shutdown's first
        // GOAWAY, so
        // a stream the client opened while the frame was on its way is still served, not refused.
        for (Channel ch : connections) {
            if (ch.pipeline().get(Http2FrameCodec.class) != null) {
                ch.writeAndFlush(
                        new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)
                                .setExtraStreamIds(Integer.MAX_VALUE));
            }
        }
    }

    @Override
    public void stop(Duration grace) {
        listeners.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while (context.inFlight().get() + context.tunnels().get() > 0
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
