package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells HTTP/1.1 from HTTP/2 with prior knowledge on one port by the connection preface (RFC 9113
 * §3.4), then puts the protocol's handlers behind itself and leaves the pipeline, handing on the
 * bytes it looked at. HTTP/1.1 is known at the first byte that differs from the preface (for any
 * method but PRI and P..., the first one), so it costs no wait and nothing per request.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
    private static final byte[] PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Consumer<ChannelPipeline> http1;
    private final Consumer<ChannelPipeline> http2;

    ProtocolDetector(Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                choose(ctx, http1);
                return;
            }
        }
        if (n == PREFACE.length) {
            choose(ctx, http2);
        }
        // else: a prefix of the preface so far; wait for more
    }

    private void choose(ChannelHandlerContext ctx, Consumer<ChannelPipeline> protocol) {
        protocol.accept(ctx.pipeline());
        ctx.pipeline().remove(this); // hands the bytes read so far to the protocol's decoder
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close(); // connected, then said nothing (or not enough to tell) for the idle
            // timeout
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
