package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The last handler of an HTTP/2 connection. It closes the connection once {@link IdleCheck} found it
 * idle for the idle timeout with no stream open (a quiet long-lived stream, a gRPC watch, keeps it),
 * and it ends the connection quietly on an error that reaches it: the codec has already answered a
 * protocol error with GOAWAY, so there is nothing left to tell anyone.
 */
final class Http2ConnectionGuard extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
            if (codec == null || codec.connection().numActiveStreams() == 0) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
