package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.rhizome.mesh.node.observability.TcpStats;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Joins two connections into a byte tunnel once HTTP is done with them: a CONNECT answered 200, an
 * {@code Upgrade} (WebSocket) answered 101. The HTTP handlers leave both pipelines (bytes their
 * decoders had read but not parsed go on as bytes), a {@link RelayHandler} copies each side to the
 * other with backpressure, and the HTTP idle timeout gives way to the tunnel's own.
 */
final class Tunnel {
    /**
     * Handlers of a client connection's HTTP/1.1 pipeline that go when it becomes a tunnel
     * (NettyDataPlane names them).
     */
    private static final String[] CLIENT_HTTP = {"obs-fold", "validate"};

    private Tunnel() {}

    /**
     * The protocol an HTTP/1.1 request asks to switch to ({@code Upgrade} named by a {@code
     * Connection: upgrade} token), or null when it asks none. HTTP/1.0 has no upgrade.
     */
    static String upgradeOf(HttpRequest request) {
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return null;
        }
        HttpHeaders h = request.headers();
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || upgrade.isBlank()) {
            return null;
        }
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                ? upgrade.trim()
                : null;
    }

    /** Puts back the two fields an upgrade needs after the hop-by-hop ones were stripped. */
    static void keepUpgrade(HttpHeaders h, String protocol) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, protocol);
    }

    /**
     * Joins {@code client} (a connection of the outbound or inbound port, whose HTTP handler is
     * {@code clientHandler}) and {@code upstream} (an upstream connection of {@link UpstreamPool},
     * or a plain one with no handlers but its relay). Counts the tunnel in {@code open} while it
     * lasts, and its bytes and life in {@code counted}.
     */
    static void join(
            Channel client,
            ChannelHandler clientHandler,
            Channel upstream,
            long idleMillis,
            AtomicInteger open,
            TcpStats.Connection counted) {
        ChannelPipeline cp = client.pipeline();
        for (String name : CLIENT_HTTP) {
            if (cp.get(name) != null) {
                cp.remove(name);
            }
        }
        cp.replace(
                "idle",
                "idle",
                new IdleCheck(idleMillis)); // the tunnel's quiet time, not an HTTP connection's
        cp.replace(clientHandler, "relay", new RelayHandler(upstream, counted, true));

        ChannelPipeline up = upstream.pipeline();
        if (up.get("idle") != null) {
            up.remove("idle"); // the client side's check sees every byte of both directions
        }
        if (up.get("backend") != null) {
            up.replace("backend", "relay", new RelayHandler(client, counted, false));
        } else {
            up.addLast("relay", new RelayHandler(client, counted, false));
        }
        // Each relay closes its peer when its own side closes, once what it wrote is flushed.
        open.incrementAndGet();
        client.closeFuture()
                .addListener(
                        f -> {
                            open.decrementAndGet();
                            counted.closed();
                        });
        // The codecs go last: what their decoders hold beyond the HTTP part reaches the relays as
        // bytes.
        if (up.get("codec") != null) {
            up.remove("codec");
        }
        if (cp.get("codec") != null) {
            cp.remove("codec");
        }
        if (!client.isActive() || !upstream.isActive()) { // one side left while HTTP still had it
            client.close();
            upstream.close();
            return;
        }
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }
}
