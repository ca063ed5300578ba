package io.rhizome.mesh.node.observability.accesslog;

import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's Logback appender. Its events are the data plane's {@link RequestRecord}s (as
 * logback-access's are {@code IAccessEvent}s), not {@code ILoggingEvent}s: appending one only
 * offers the immutable record to a bounded queue, so the event loop formats nothing and builds no
 * logging event. One writer thread drains the queue, formats the lines into a reused buffer and
 * writes each batch with one call; after a batch it waits {@code flushNanos} for the next to
 * gather, and when the queue stays empty it sleeps until a request wakes it. A full queue drops the
 * record and counts it.
 */
final class AccessLogAppender extends UnsynchronizedAppenderBase<RequestRecord> {
    private static final Logger log = LoggerFactory.getLogger(AccessLogAppender.class);

    /** Records formatted per drain of the queue. */
    static final int BATCH = 1024;

    /** Bytes formatted before they are written even though more records wait. */
    static final int WRITE_BYTES = 64 * 1024;

    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final AccessLogSink sink;
    private final long flushNanos;
    private final ArrayBlockingQueue<RequestRecord> queue;
    private final AccessLogLine line;
    private final LineBuffer buffer = new LineBuffer(WRITE_BYTES + 4096);
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;

    /** The writer is parked until a record arrives: the next append unparks it. */
    private volatile boolean sleeping;

    private volatile boolean stopping;

    /** Lines in {@link #buffer} (writer thread only). */
    private int buffered;

    private long lastWarning;

    /**
     * @param capacity records that may wait for the writer; beyond, they are dropped and counted
     * @param flushNanos how long the writer lets the next batch gather after writing one
     */
    AccessLogAppender(String node, AccessLogSink sink, int capacity, long flushNanos) {
        this.sink = sink;
        this.flushNanos = flushNanos;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.line = new AccessLogLine(node);
        this.writer = new Thread(this::run, "access-log-" + node);
        writer.setDaemon(true);
    }

    @Override
    public void start() {
        writer.start();
        super.start();
    }

    /**
     * A record that comes after {@link #stop} is counted as dropped, not only reported to Logback's
     * status.
     */
    @Override
    public void doAppend(RequestRecord record) {
        if (!started) {
            dropped.increment();
            return;
        }
        super.doAppend(record);
    }

    @Override
    protected void append(RequestRecord record) {
        if (!queue.offer(record)) {
            dropped.increment();
            return;
        }
        if (sleeping) {
            sleeping = false;
            LockSupport.unpark(writer);
        }
    }

    /** Lines written to the target so far. */
    long written() {
        return written.sum();
    }

    /**
     * Lines lost: the queue was full, the target refused a write, or they came after {@link #stop}.
     */
    long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<RequestRecord> batch = new ArrayList<>(BATCH);
        while (true) {
            if (queue.drainTo(batch, BATCH) > 0) {
                for (RequestRecord r : batch) {
                    line.append(r, buffer);
                    buffered++;
                    if (buffer.length() >= WRITE_BYTES) {
                        write();
                    }
                }
                batch.clear();
                continue;
            }
            // The queue is empty: what is formatted goes out now.
            boolean wrote = buffered > 0;
            write();
            if (stopping) {
                if (queue.isEmpty()) {
                    return;
                }
                continue; // a record that came in while stopping
            }
            if (wrote) {
                LockSupport.parkNanos(this, flushNanos); // let the next batch gather
            } else {
                sleeping = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                sleeping = false;
            }
        }
    }

    private void write() {
        if (buffered == 0) {
            return;
        }
        try {
            sink.write(buffer.bytes(), buffer.length());
            written.add(buffered);
        } catch (IOException | RuntimeException e) {
            dropped.add(buffered);
            warn(e);
        } finally {
            buffered = 0;
            buffer.clear();
        }
    }

    /** At most one warning a minute in the application log: a full disk must not flood it. */
    private void warn(Exception e) {
        long now = System.nanoTime();
        if (lastWarning == 0 || now - lastWarning > TimeUnit.MINUTES.toNanos(1)) {
            lastWarning = now;
            log.warn(
                    "access log {}: write failed ({}); lines are dropped and counted in rhizome_access_log_dropped_total",
                    name,
                    e.toString());
            addError("write failed", e);
        }
    }

    /**
     * Writes every queued line (for up to 5 s), then closes the target; later records count as
     * dropped.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(STOP_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropped.add(queue.size()); // only when the target hung past the timeout, or a record raced
        // the stop
        queue.clear();
        try {
            sink.close();
        } catch (IOException e) {
            addError("close failed", e);
        }
    }
}
