package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.rhizome.mesh.node.observability.TcpStats;

/**
 * Copies bytes one way for a tunnel (CONNECT, Upgrade, opaque TCP), with backpressure: a full peer
 * pauses this side.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    /** Counts the bytes this side reads; null when nothing counts them. */
    private final TcpStats.Connection counted;

    /** This side is the caller's: its bytes go toward the instance. */
    private final boolean clientSide;

    private boolean unflushed;

    RelayHandler(Channel peer, TcpStats.Connection counted, boolean clientSide) {
        this.peer = peer;
        this.counted = counted;
        this.clientSide = clientSide;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (counted != null && msg instanceof ByteBuf b) {
            if (clientSide) {
                counted.fromClient(b.readableBytes());
            } else {
                counted.toClient(b.readableBytes());
            }
        }
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
