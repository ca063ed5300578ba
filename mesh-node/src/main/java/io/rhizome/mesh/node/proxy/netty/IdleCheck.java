package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} once a connection has neither read nor flushed
 * for the idle timeout (at most a quarter of it later). Netty's {@code IdleStateHandler} reads the
 * clock after every read batch and puts a listener on every write's promise to read it again; this
 * one only sets a flag per read and per flush, and a timer that ticks four times per timeout looks
 * at it (the mesh path's CPU profile had {@code IdleStateHandler} at 1.5–2 % of each node).
 */
final class IdleCheck extends ChannelDuplexHandler {
    static final int TICKS = 4;

    private final long tickNanos;
    private boolean active;
    private int quietTicks;
    private ScheduledFuture<?> timer;

    IdleCheck(long idleMillis) {
        this.tickNanos = Math.max(1, TimeUnit.MILLISECONDS.toNanos(idleMillis) / TICKS);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        active = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        active = true;
        ctx.flush();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer == null) {
            timer =
                    ctx.executor()
                            .scheduleAtFixedRate(
                                    () -> tick(ctx), tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void stop() {
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void tick(ChannelHandlerContext ctx) {
        if (active) {
            active = false;
            quietTicks = 0;
        } else if (++quietTicks >= TICKS) {
            quietTicks = 0;
            ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        }
    }
}
