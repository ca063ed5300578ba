package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Copies bytes one way for a tunnel (CONNECT, Upgrade, opaque TCP), with backpressure: a full peer pauses this side. */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private boolean unflushed;

    RelayHandler(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise());
        unflushed = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) { // one flush per read burst, not per buffer
            unflushed = false;
            Channel p = peer;
            p.flush();
            if (!p.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel p = peer;
        if (p != null) {
            p.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel p = peer;
        if (p != null && p.isActive()) {
            p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close(); // the tunnel's idle timeout: the peer closes with it
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
