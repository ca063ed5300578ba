package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's body on its way upstream: the parts that wait for the try's connection, and the parts
 * held for a retry. A body is held while it fits the retry buffer ({@code proxy.max-retry-buffer});
 * beyond that nothing is held and the request can no longer be retried. Only its event loop uses
 * it.
 */
final class HeldBody {
    private final ArrayDeque<HttpContent> waiting = new ArrayDeque<>();
    private final List<HttpContent> replay = new ArrayList<>();
    private final long maxReplayBytes;
    private long replayBytes;
    private boolean replayable;

    /** {@code replayable}: the request may be sent again (idempotent, or its route opts in). */
    HeldBody(boolean replayable, long maxReplayBytes) {
        this.replayable = replayable;
        this.maxReplayBytes = maxReplayBytes;
    }

    /** The whole body written so far is held: another try can send it again. */
    boolean replayable() {
        return replayable;
    }

    /** A part that arrived before the try's connection: written when it is attached. */
    void await(HttpContent c) {
        waiting.add(c);
    }

    /** The next part waiting for the connection, or null. */
    HttpContent nextWaiting() {
        return waiting.poll();
    }

    /**
     * {@code c} is about to be written upstream: a duplicate is held while the body fits the retry
     * buffer.
     */
    void written(HttpContent c) {
        if (!replayable) {
            return;
        }
        int n = c.content().readableBytes();
        if (replayBytes + n <= maxReplayBytes) {
            replay.add(c.retainedDuplicate());
            replayBytes += n;
        } else {
            dropReplay();
        }
    }

    /**
     * The next try sends the held body again. The held parts move to the waiting queue (writing
     * them holds them again), so the buffer holds the body once, whatever the try.
     */
    void requeue() {
        waiting.addAll(replay);
        replay.clear();
        replayBytes = 0;
    }

    /**
     * The response started (or the body outgrew the buffer): nothing more is held, no retry is
     * possible.
     */
    void dropReplay() {
        replayable = false;
        for (HttpContent c : replay) {
            c.release();
        }
        replay.clear();
        replayBytes = 0;
    }

    /** The request is over: every part still here is released. */
    void release() {
        HttpContent c;
        while ((c = waiting.poll()) != null) {
            c.release();
        }
        dropReplay();
    }
}
