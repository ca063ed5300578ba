package io.rhizome.mesh.node.proxy.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.node.security.tls.UpstreamTls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;

/**
 * HTTP/2 connections to upstreams (peers' inbound ports, instances that speak HTTP/2), each shared
 * by the streams of many requests: a request opens a stream on a connection of its own event loop
 * that has room for one (SETTINGS_MAX_CONCURRENT_STREAMS), or on a new connection when none has.
 * Kept per event loop like {@link UpstreamPool}'s connections, so no lock and no thread hop.
 */
final class Http2Upstreams {
    private final Bootstrap template;
    private final UpstreamPool pool;
    private final MeshTls tls;
    private final long idleMillis;
    private final int maxHeaderListSize;
    private final long defaultConnectTimeoutMillis;
    private final FastThreadLocal<Map<Key, Connections>> byTarget =
            new FastThreadLocal<>() {
                @Override
                protected Map<Key, Connections> initialValue() {
                    return new HashMap<>();
                }
            };

    private record Key(HostPort target, String identity) {}

    /**
     * How long a target that did not answer the HTTP/2 preface is called over HTTP/1.1 before
     * trying again.
     */
    static final long HTTP1_ONLY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);

    /**
     * Targets that answered HTTP/2's preface with something else (an HTTP/1.1-only instance), until
     * when.
     */
    private final FastThreadLocal<Map<HostPort, Long>> http1Only =
            new FastThreadLocal<>() {
                @Override
                protected Map<HostPort, Long> initialValue() {
                    return new HashMap<>();
                }
            };

    /**
     * The target did not speak HTTP/2 with prior knowledge: the connection closed or broke before
     * its SETTINGS arrived. Nothing of a request was sent on it.
     */
    static final class NotHttp2Exception extends java.io.IOException {
        NotHttp2Exception(HostPort target, Throwable cause) {
            super(
                    target
                            + " does not speak HTTP/2 with prior knowledge"
                            + (cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")"),
                    cause);
        }
    }

    /**
     * Whether {@code target} recently refused HTTP/2 (see {@link NotHttp2Exception}); called on its
     * loop.
     */
    boolean knownHttp1Only(HostPort target) {
        Map<HostPort, Long> m = http1Only.get();
        Long until = m.get(target);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until > 0) {
            m.remove(target);
            return false;
        }
        return true;
    }

    /** The connections of one loop to one target, and the one being opened, if any. */
    private static final class Connections {
        final List<Channel> open = new ArrayList<>(2);
        Promise<Channel> opening;
    }

    Http2Upstreams(
            Bootstrap template,
            UpstreamPool pool,
            MeshTls tls,
            long idleMillis,
            int maxHeaderListSize,
            long defaultConnectTimeoutMillis) {
        this.defaultConnectTimeoutMillis = defaultConnectTimeoutMillis;
        this.template = template;
        this.pool = pool;
        this.tls = tls;
        this.idleMillis = idleMillis;
        this.maxHeaderListSize = maxHeaderListSize;
    }

    /**
     * A new stream to {@code target}, its pipeline ending in a {@link BackendHandler}; with {@code
     * identity} non-null, on a mutual-TLS connection whose server proved that SPIFFE id and chose
     * h2 by ALPN. Must be called on {@code loop}.
     *
     * @param connectTimeoutMillis for a new connection; 0 keeps the node's
     */
    Future<Http2StreamChannel> openStream(
            EventLoop loop, HostPort target, String identity, int connectTimeoutMillis) {
        Promise<Http2StreamChannel> stream = loop.newPromise();
        openStream(loop, target, identity, connectTimeoutMillis, stream, true);
        return stream;
    }

    private void openStream(
            EventLoop loop,
            HostPort target,
            String identity,
            int connectTimeoutMillis,
            Promise<Http2StreamChannel> stream,
            boolean mayWait) {
        Key key = new Key(target, identity);
        Connections c = byTarget.get().computeIfAbsent(key, k -> new Connections());
        Channel parent = withRoom(c);
        if (parent != null) {
            open(parent, target, stream);
            return;
        }
        if (c.opening != null && mayWait) {
            // Requests that arrive while the first connection opens share it instead of each
            // opening one.
            c.opening.addListener(
                    f -> {
                        if (f.isSuccess()) {
                            openStream(loop, target, identity, connectTimeoutMillis, stream, false);
                        } else {
                            stream.tryFailure(f.cause());
                        }
                    });
            return;
        }
        Promise<Channel> opening = loop.newPromise();
        c.opening = opening;
        connect(loop, target, identity, connectTimeoutMillis)
                .addListener(
                        (ChannelFuture f) -> {
                            if (c.opening == opening) {
                                c.opening = null;
                            }
                            if (!f.isSuccess()) {
                                if (f.cause() instanceof NotHttp2Exception) {
                                    http1Only
                                            .get()
                                            .put(target, System.nanoTime() + HTTP1_ONLY_NANOS);
                                }
                                opening.tryFailure(f.cause());
                                stream.tryFailure(f.cause());
                                return;
                            }
                            Channel ch = f.channel();
                            c.open.add(ch);
                            ch.closeFuture().addListener(x -> c.open.remove(ch));
                            opening.trySuccess(ch);
                            open(ch, target, stream);
                        });
    }

    /** An open connection that may take one more stream, or null. */
    private static Channel withRoom(Connections c) {
        Iterator<Channel> it = c.open.iterator();
        while (it.hasNext()) {
            Channel ch = it.next();
            Http2FrameCodec codec = ch.isActive() ? ch.pipeline().get(Http2FrameCodec.class) : null;
            if (codec == null) {
                it.remove();
                continue;
            }
            if (!codec.connection().goAwayReceived()
                    && codec.connection().local().canOpenStream()) {
                return ch;
            }
        }
        return null;
    }

    private void open(Channel parent, HostPort target, Promise<Http2StreamChannel> stream) {
        new Http2StreamChannelBootstrap(parent)
                .handler(
                        new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline()
                                        .addLast(
                                                "codec",
                                                new Http2StreamFrameToHttpObjectCodec(false, true))
                                        .addLast("backend", new BackendHandler(pool, target));
                            }
                        })
                .open()
                .addListener(
                        (Future<Http2StreamChannel> f) -> {
                            if (f.isSuccess()) {
                                stream.trySuccess(f.getNow());
                            } else {
                                stream.tryFailure(f.cause());
                            }
                        });
    }

    private ChannelFuture connect(
            EventLoop loop, HostPort target, String identity, int connectTimeoutMillis) {
        Bootstrap b = template.clone(loop);
        if (connectTimeoutMillis > 0) {
            b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
        }
        b.handler(
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("idle", new IdleCheck(idleMillis))
                                .addLast(
                                        "h2",
                                        Http2FrameCodecBuilder.forClient()
                                                .initialSettings(
                                                        Http2Settings.defaultSettings()
                                                                .pushEnabled(false)
                                                                .maxHeaderListSize(
                                                                        maxHeaderListSize))
                                                .validateHeaders(true)
                                                .build())
                                // Upstreams push nothing (SETTINGS_ENABLE_PUSH 0): this handler
                                // never sees a stream.
                                .addLast(
                                        "h2-streams",
                                        new Http2MultiplexHandler(
                                                new ChannelInboundHandlerAdapter()))
                                .addLast("h2-settings", new SettingsReceived())
                                .addLast("h2-guard", new Http2ConnectionGuard());
                        if (identity != null) {
                            UpstreamTls.install(ch, tls, target.host(), target.port(), true);
                        }
                    }
                });
        ChannelFuture connect =
                b.connect(InetSocketAddress.createUnresolved(target.host(), target.port()));
        ChannelFuture open =
                identity == null ? connect : alpnH2(UpstreamTls.verified(connect, identity, tls));
        return settled(
                open,
                target,
                connectTimeoutMillis > 0 ? connectTimeoutMillis : defaultConnectTimeoutMillis);
    }

    /** Succeeds once the server's SETTINGS arrived on the open connection: it speaks HTTP/2. */
    private static ChannelFuture settled(ChannelFuture open, HostPort target, long timeoutMillis) {
        Channel ch = open.channel();
        io.netty.channel.ChannelPromise result = ch.newPromise();
        open.addListener(
                o -> {
                    if (!o.isSuccess()) {
                        result.tryFailure(o.cause());
                        return;
                    }
                    if (ch.pipeline().get(SettingsReceived.class).seen) {
                        result.trySuccess();
                        return;
                    }
                    ch.pipeline().get(SettingsReceived.class).waiting = result;
                    ch.closeFuture()
                            .addListener(
                                    c -> result.tryFailure(new NotHttp2Exception(target, null)));
                    // A server that answers the preface with silence is not one to wait for either.
                    ch.eventLoop()
                            .schedule(
                                    () -> {
                                        if (result.tryFailure(
                                                new NotHttp2Exception(target, null))) {
                                            ch.close();
                                        }
                                    },
                                    timeoutMillis,
                                    java.util.concurrent.TimeUnit.MILLISECONDS);
                });
        return result;
    }

    /** Notes the server's first SETTINGS (and tells whoever waits for it); passes everything on. */
    private static final class SettingsReceived
            extends io.netty.channel.ChannelInboundHandlerAdapter {
        boolean seen;
        io.netty.channel.ChannelPromise waiting;

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            if (!seen && msg instanceof io.netty.handler.codec.http2.Http2SettingsFrame) {
                seen = true;
                if (waiting != null) {
                    waiting.trySuccess();
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** After a verified TLS handshake: the server must have chosen h2 by ALPN. */
    private static ChannelFuture alpnH2(ChannelFuture verified) {
        Channel ch = verified.channel();
        io.netty.channel.ChannelPromise result = ch.newPromise();
        verified.addListener(
                v -> {
                    if (!v.isSuccess()) {
                        result.tryFailure(v.cause());
                        return;
                    }
                    SslHandler ssl = ch.pipeline().get(SslHandler.class);
                    if (ssl == null) { // closed since the handshake: its pipeline is empty
                        result.tryFailure(
                                new SSLHandshakeException(
                                        "TLS: the connection closed after the handshake"));
                        return;
                    }
                    String chosen = ssl.applicationProtocol();
                    if (!ApplicationProtocolNames.HTTP_2.equals(chosen)) {
                        ch.close();
                        result.tryFailure(
                                new SSLHandshakeException(
                                        "TLS: the peer did not choose h2 by ALPN (chose "
                                                + (chosen == null ? "none" : chosen)
                                                + ")"));
                        return;
                    }
                    result.trySuccess();
                });
        return result;
    }
}
