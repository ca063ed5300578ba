package io.rhizome.mesh.node.observability.accesslog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.classic.AsyncAppender;
import io.rhizome.mesh.node.config.ObservabilitySettings;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per finished request through its own Logback logger
 * ({@code rhizome.access.<node>}, not additive, so nothing reaches the application log) and its own
 * appender, stdout or a file. Lines are handed to an asynchronous appender so that the event loop
 * never waits on the disk; when its queue is full, lines are dropped rather than stall requests.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {
    /** Lines waiting for the writer thread; beyond it, lines are dropped (never blocking the event loop). */
    static final int QUEUE = 8192;

    private final String node;
    private final Logger logger;
    private final AsyncAppender async;

    private AccessLog(String node, Logger logger, AsyncAppender async) {
        this.node = node;
        this.logger = logger;
        this.async = async;
    }

    /** Starts the appender for {@code target}: {@code stdout} or a file path (appended to, created if missing). */
    public static AccessLog start(String node, String target) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        OutputStreamAppender<ILoggingEvent> sink;
        if (ObservabilitySettings.STDOUT.equals(target)) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.out");
            sink = console;
        } else {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(target);
            file.setAppend(true);
            sink = file;
        }
        sink.setContext(context);
        sink.setName("access-" + node);
        sink.setEncoder(encoder);
        sink.setImmediateFlush(true);
        sink.start();
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.setName("access-async-" + node);
        async.setQueueSize(QUEUE);
        async.setDiscardingThreshold(0); // keep every line while there is room
        async.setNeverBlock(true);
        async.setIncludeCallerData(false);
        async.addAppender(sink);
        async.start();
        Logger logger = context.getLogger("rhizome.access." + node);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        logger.addAppender(async);
        return new AccessLog(node, logger, async);
    }

    @Override
    public void onRequest(RequestRecord record) {
        logger.info(AccessLogLine.of(node, record));
    }

    /** Writes what is queued and detaches the appender. */
    @Override
    public void close() {
        logger.detachAppender(async);
        async.stop();
    }
}
