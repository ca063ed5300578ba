package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.logging.LogLevel;
import io.rhizome.mesh.node.observability.metrics.Http2Stats;

/**
 * Counts the RST_STREAM and GOAWAY frames an HTTP/2 listener sends into {@link Http2Stats}; logs
 * frames only at TRACE (logger {@code io.rhizome.mesh.http2}), as Netty's frame logger does.
 */
final class CountingFrameLogger extends Http2FrameLogger {
    private final Http2Stats stats;
    private final boolean inbound;

    CountingFrameLogger(Http2Stats stats, boolean inbound) {
        super(LogLevel.TRACE, "io.rhizome.mesh.http2");
        this.stats = stats;
        this.inbound = inbound;
    }

    @Override
    public void logRstStream(
            Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        if (direction == Direction.OUTBOUND) {
            stats.resetSent(inbound, errorCode);
        }
        super.logRstStream(direction, ctx, streamId, errorCode);
    }

    @Override
    public void logGoAway(
            Direction direction,
            ChannelHandlerContext ctx,
            int lastStreamId,
            long errorCode,
            ByteBuf debugData) {
        if (direction == Direction.OUTBOUND) {
            stats.goAwaySent(inbound, errorCode);
        }
        super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
    }
}
