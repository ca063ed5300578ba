package io.rhizome.mesh.node.security.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.rhizome.mesh.pki.SpiffeId;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLHandshakeException;

/**
 * Mutual TLS on a connection to a peer's inbound port: the node presents its certificate, and the
 * connection counts as open only once the handshake succeeded and the server proved the identity
 * the registry says serves the endpoint. Anything else fails the connect (the endpoint is then
 * treated like one that refuses connections).
 */
public final class UpstreamTls {
    /** The server's verified SPIFFE id on a TLS connection to a peer; absent on plaintext ones. */
    public static final AttributeKey<String> SERVER_IDENTITY =
            AttributeKey.valueOf("rhizome.upstream-identity");

    private UpstreamTls() {}

    /** Adds the client-side TLS handler at the front of a new upstream connection's pipeline. */
    public static SslHandler install(Channel ch, MeshTls tls, String host, int port) {
        return install(ch, tls, host, port, false);
    }

    /**
     * As {@link #install(Channel, MeshTls, String, int)}; {@code http2}: the connection asks for h2
     * by ALPN.
     */
    public static SslHandler install(
            Channel ch, MeshTls tls, String host, int port, boolean http2) {
        SslHandler ssl =
                http2
                        ? tls.newHttp2ClientHandler(ch.alloc(), host, port)
                        : tls.newClientHandler(ch.alloc(), host, port);
        ch.pipeline().addFirst("tls", ssl);
        return ssl;
    }

    /**
     * A future that completes when {@code connect} did, the handshake did, and the server presented
     * {@code expected}; it fails (and the channel closes) otherwise.
     */
    public static ChannelFuture verified(ChannelFuture connect, String expected, MeshTls tls) {
        Channel ch = connect.channel();
        ChannelPromise result = ch.newPromise();
        connect.addListener(
                c -> {
                    if (!c.isSuccess()) {
                        result.tryFailure(c.cause());
                        return;
                    }
                    SslHandler ssl = ch.pipeline().get(SslHandler.class);
                    if (ssl == null) {
                        // This listener can run after the whole handshake: a refused one has closed
                        // the channel and emptied its pipeline by then.
                        fail(
                                ch,
                                result,
                                tls,
                                new SSLHandshakeException(
                                        "the connection closed during the TLS handshake"));
                        return;
                    }
                    ssl.handshakeFuture()
                            .addListener(
                                    h -> {
                                        if (!h.isSuccess()) {
                                            fail(ch, result, tls, h.cause());
                                            return;
                                        }
                                        String actual;
                                        try {
                                            actual =
                                                    SpiffeId.of(
                                                                    (X509Certificate)
                                                                            ssl.engine()
                                                                                    .getSession()
                                                                                    .getPeerCertificates()[
                                                                                    0])
                                                            .toString();
                                        } catch (Exception e) {
                                            fail(ch, result, tls, e);
                                            return;
                                        }
                                        if (!actual.equals(expected)) {
                                            fail(
                                                    ch,
                                                    result,
                                                    tls,
                                                    new SSLHandshakeException(
                                                            "peer presented "
                                                                    + actual
                                                                    + " (expected: "
                                                                    + (expected.isEmpty()
                                                                            ? "an identity in the registry, which names none"
                                                                            : expected)
                                                                    + ")"));
                                            return;
                                        }
                                        ch.attr(SERVER_IDENTITY).set(actual);
                                        result.trySuccess();
                                    });
                });
        return result;
    }

    private static void fail(Channel ch, ChannelPromise result, MeshTls tls, Throwable cause) {
        tls.stats().upstreamFailed();
        tls.handshakeLog().failed("to", String.valueOf(ch.remoteAddress()), cause);
        String reason = HandshakeLog.reason(cause);
        ch.close();
        result.tryFailure(new SSLHandshakeException("TLS: " + reason));
    }

    /**
     * Whether a pooled connection may serve a call that expects {@code expected} ("" or null:
     * plaintext).
     */
    public static boolean matches(Channel ch, String expected) {
        String actual = ch.attr(SERVER_IDENTITY).get();
        return expected == null ? actual == null : expected.equals(actual);
    }
}
