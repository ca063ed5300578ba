package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The last handler of an HTTP/2 connection. It closes the connection once {@link IdleCheck} found
 * it idle for the idle timeout with no stream open (a quiet long-lived stream, a gRPC watch, keeps
 * it). Errors end here: an I/O error closes the connection; a protocol error is left to the codec,
 * which answers it with GOAWAY and its code once the error has passed through the pipeline.
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
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
            ctx.close(); // an I/O error: the connection is gone
        }
        // an HTTP/2 error: the codec sends GOAWAY with its code and closes, after this returns
    }
}
