package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A connection is closed as idle after the idle timeout without traffic, and never while it reads
 * or writes.
 */
class IdleCheckTest {
    private static final long IDLE_MS = 1000;

    private static final class Events extends ChannelInboundHandlerAdapter {
        int idle;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                idle++;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((io.netty.buffer.ByteBuf) msg).release();
        }
    }

    private final Events events = new Events();
    private final EmbeddedChannel ch = new EmbeddedChannel(new IdleCheck(IDLE_MS), events);

    private void pass(long millis) {
        for (long t = 0; t < millis; t += 50) {
            ch.advanceTimeBy(50, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    @Test
    void aQuietConnectionIsIdleAfterTheTimeoutAndNotBefore() {
        ch.freezeTime();
        pass(IDLE_MS - 100);
        assertThat(events.idle).isZero();
        pass(IDLE_MS / IdleCheck.TICKS + 200);
        assertThat(events.idle).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void readsAndWritesKeepItBusyAndTheClockStartsAgainAfterTheLast() {
        ch.freezeTime();
        for (int i = 0; i < 10; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
            pass(IDLE_MS / 2);
        }
        for (int i = 0; i < 10; i++) {
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
            pass(IDLE_MS / 2);
        }
        assertThat(events.idle).as("busy for 10 timeouts").isZero();
        pass(IDLE_MS / 2 + IDLE_MS / IdleCheck.TICKS + 100);
        assertThat(events.idle).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosedConnectionStopsTicking() {
        ch.freezeTime();
        ch.close();
        pass(3 * IDLE_MS);
        assertThat(events.idle).isZero();
    }
}
