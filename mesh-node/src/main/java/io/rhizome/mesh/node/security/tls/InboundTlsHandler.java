package io.rhizome.mesh.node.security.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.rhizome.mesh.node.security.PeerIdentity;
import io.rhizome.mesh.pki.SpiffeId;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Sits behind the inbound port's {@link SslHandler}: on a completed handshake it records the
 * caller's verified SPIFFE id as the channel's {@link PeerIdentity}; a failed one (plain HTTP, no
 * client certificate, an untrusted one) is counted and logged, and the connection is closed.
 */
public final class InboundTlsHandler extends ChannelInboundHandlerAdapter {
    private final MeshTls tls;

    private InboundTlsHandler(MeshTls tls) {
        this.tls = tls;
    }

    /** Adds the TLS handlers at the front of an inbound connection's pipeline. */
    public static void install(io.netty.channel.Channel ch, MeshTls tls) {
        ch.pipeline().addFirst("tls-identity", new InboundTlsHandler(tls));
        ch.pipeline().addFirst("tls", tls.newServerHandler(ch.alloc()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                try {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
                    PeerIdentity.set(
                            ctx.channel(), SpiffeId.of((X509Certificate) peer[0]).toString());
                } catch (SSLPeerUnverifiedException | RuntimeException e) {
                    failed(ctx, e);
                    return;
                }
            } else {
                failed(ctx, done.cause());
                return;
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SSLException
                || cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            ctx.close(); // the handshake event reports it
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        tls.stats().inboundFailed();
        tls.handshakeLog().failed("from", peer(ctx), cause);
        ctx.close();
    }

    private static String peer(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                        && a.getAddress() != null
                ? a.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }
}
