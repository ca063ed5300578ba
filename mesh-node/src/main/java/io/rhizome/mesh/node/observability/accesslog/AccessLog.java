package io.rhizome.mesh.node.observability.accesslog;

import ch.qos.logback.core.Context;
import ch.qos.logback.core.ContextBase;
import io.rhizome.mesh.node.config.ConfigError;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per finished request through its own Logback appender ({@link
 * AccessLogAppender}, apart from the application log), to stdout or a file. The event loop only
 * queues the request's record; a writer thread formats the lines and writes them in batches, so
 * lines reach the target within about {@link #FLUSH_MILLIS} ms. When {@link #QUEUE} records are
 * waiting (the target is slower than the traffic), new ones are dropped and counted ({@link
 * #dropped()}, {@code rhizome_access_log_dropped_total}) rather than stall requests.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {
    /**
     * Records waiting for the writer thread; beyond it, lines are dropped (never blocking the event
     * loop).
     */
    public static final int QUEUE = 8192;

    /** How long the writer lets the next batch gather after writing one. */
    public static final long FLUSH_MILLIS = 5;

    private final AccessLogAppender appender;

    private AccessLog(AccessLogAppender appender) {
        this.appender = appender;
    }

    /**
     * Starts the appender for {@code target}: {@code stdout} or a file path (appended to, created
     * with its directories if missing).
     *
     * @throws ConfigError naming {@code rhizome.access-log.target} when the file cannot be opened
     */
    public static AccessLog start(String node, String target) {
        AccessLogSink sink;
        try {
            sink = AccessLogSink.open(target);
        } catch (IOException | RuntimeException e) {
            throw new ConfigError(
                    "rhizome.access-log.target",
                    "\""
                            + target
                            + "\" cannot be opened for appending ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + "; expected: stdout or a writable file path)");
        }
        return start(node, sink, QUEUE, TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS));
    }

    static AccessLog start(String node, AccessLogSink sink, int capacity, long flushNanos) {
        AccessLogAppender appender = new AccessLogAppender(node, sink, capacity, flushNanos);
        appender.setContext(
                LoggerFactory.getILoggerFactory() instanceof Context c ? c : new ContextBase());
        appender.setName("access-" + node);
        appender.start();
        return new AccessLog(appender);
    }

    @Override
    public void onRequest(RequestRecord record) {
        appender.doAppend(record);
    }

    /** Lines written so far. */
    public long written() {
        return appender.written();
    }

    /** Lines lost so far: the queue was full, or the target refused a write. */
    public long dropped() {
        return appender.dropped();
    }

    /** Writes what is queued (for up to 5 s) and closes the target. */
    @Override
    public void close() {
        appender.stop();
    }
}
