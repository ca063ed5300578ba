package io.rhizome.mesh.node.proxy.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.node.security.tls.UpstreamTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to upstreams (endpoints' inbound ports, local services, egress
 * hosts), kept per event loop: a connection is only ever used on the loop that owns it, so the pool
 * needs no lock and a request never hops threads.
 */
final class UpstreamPool {
    private static final int MAX_IDLE_PER_TARGET = 128;

    private final Bootstrap template;
    private final long idleMillis;
    private final FastThreadLocal<Map<HostPort, ArrayDeque<Channel>>> idle =
            new FastThreadLocal<>() {
                @Override
                protected Map<HostPort, ArrayDeque<Channel>> initialValue() {
                    return new HashMap<>();
                }
            };

    private final MeshTls tls;

    UpstreamPool(Bootstrap template, Duration idleTimeout, MeshTls tls) {
        this.template = template;
        this.tls = tls;
        this.idleMillis = idleTimeout.toMillis();
    }

    /** An idle, open plaintext connection to {@code target} owned by the current loop, or null. */
    Channel poll(HostPort target) {
        return poll(target, null);
    }

    /**
     * An idle, open connection to {@code target} owned by the current loop whose server proved
     * {@code identity} (null: a plaintext one), or null.
     */
    Channel poll(HostPort target, String identity) {
        ArrayDeque<Channel> queue = idle.get().get(target);
        if (queue == null) {
            return null;
        }
        Channel ch;
        while ((ch = queue.pollLast()) != null) {
            if (ch.isActive() && UpstreamTls.matches(ch, identity)) {
                return ch;
            }
            ch.close(); // dead, or opened for another identity (the endpoint changed hands)
        }
        return null;
    }

    /** Returns a connection whose last exchange completed cleanly. */
    void release(Channel ch, HostPort target) {
        BackendHandler handler = ch.pipeline().get(BackendHandler.class);
        if (handler == null || !ch.isActive()) {
            ch.close();
            return;
        }
        handler.detach();
        ArrayDeque<Channel> queue = idle.get().computeIfAbsent(target, k -> new ArrayDeque<>());
        if (queue.size() >= MAX_IDLE_PER_TARGET) {
            ch.close();
            return;
        }
        queue.addLast(ch);
    }

    /** Closes every idle connection to {@code target} owned by the current loop. */
    void closeIdle(HostPort target) {
        ArrayDeque<Channel> queue = idle.get().remove(target);
        if (queue != null) {
            for (Channel ch : queue) {
                ch.close();
            }
        }
    }

    /** Called on the owning loop when an idle connection closes. */
    void forget(Channel ch, HostPort target) {
        ArrayDeque<Channel> queue = idle.get().get(target);
        if (queue != null) {
            queue.remove(ch);
        }
    }

    /**
     * A new connection to {@code target} on {@code loop}.
     *
     * @param connectTimeoutMillis this attempt's connect timeout; 0 keeps the template's (the
     *     node's)
     */
    ChannelFuture connect(
            EventLoop loop, HostPort target, int maxHeaderSize, int connectTimeoutMillis) {
        return connect(loop, target, maxHeaderSize, connectTimeoutMillis, null);
    }

    /**
     * A new connection to {@code target} on {@code loop}; with {@code identity} non-null, mutual
     * TLS whose future completes only once the server proved that SPIFFE id.
     */
    ChannelFuture connect(
            EventLoop loop,
            HostPort target,
            int maxHeaderSize,
            int connectTimeoutMillis,
            String identity) {
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
                                        "codec",
                                        new HttpClientCodec(
                                                new HttpDecoderConfig()
                                                        .setMaxHeaderSize(maxHeaderSize)
                                                        .setMaxChunkSize(64 * 1024),
                                                false,
                                                false))
                                .addLast("backend", new BackendHandler(UpstreamPool.this, target));
                        if (identity != null) {
                            UpstreamTls.install(ch, tls, target.host(), target.port());
                        }
                    }
                });
        ChannelFuture connect =
                b.connect(InetSocketAddress.createUnresolved(target.host(), target.port()));
        return identity == null ? connect : UpstreamTls.verified(connect, identity, tls);
    }
}
