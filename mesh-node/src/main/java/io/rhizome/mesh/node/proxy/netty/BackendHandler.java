package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.rhizome.mesh.node.config.HostPort;

/** Last handler of an upstream connection: hands what arrives to the exchange that owns it. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamPool pool;
    private final HostPort target;
    private UpstreamListener listener;
    private boolean reused;

    BackendHandler(UpstreamPool pool, HostPort target) {
        this.pool = pool;
        this.target = target;
    }

    void attach(UpstreamListener listener) {
        this.listener = listener;
    }

    void detach() {
        this.listener = null;
        this.reused = true;
    }

    /**
     * True once the connection has served an earlier exchange (a reset on it may just be a stale
     * close).
     */
    boolean reused() {
        return reused;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null) {
            listener.onUpstreamMessage(msg);
        } else {
            // An idle upstream has nothing to say; anything it sends makes the connection unusable.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed(null);
        } else {
            pool.forget(ctx.channel(), target);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame goAway) {
            goAway.release(); // the multiplexer tells only the streams above the GOAWAY's last
            // stream id
            refused(ctx);
            return;
        }
        if (evt instanceof Http2ResetFrame reset
                && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
            refused(ctx); // a reset is an event, not a read: it is not flow-controlled
            return;
        }
        if (evt instanceof IdleStateEvent && listener == null) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** An HTTP/2 stream the peer refused unprocessed: the exchange may send it elsewhere. */
    private void refused(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamRefused();
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed(cause);
        }
        ctx.close();
    }
}
