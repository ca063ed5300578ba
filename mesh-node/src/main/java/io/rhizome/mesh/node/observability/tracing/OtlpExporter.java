package io.rhizome.mesh.node.observability.tracing;

import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the spans of sampled requests (one per hop) to an OTLP/HTTP collector as JSON, in
 * batches, from its own thread. The request path only offers the record to a bounded queue: when
 * the collector is slow or down, spans are dropped (and counted), never waited for.
 */
public final class OtlpExporter implements RequestObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OtlpExporter.class);
    static final int QUEUE = 4096;
    static final int BATCH = 512;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final URI endpoint;
    private final String node;
    private final String serviceName;
    private final ArrayBlockingQueue<RequestRecord> queue = new ArrayBlockingQueue<>(QUEUE);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final LongAdder exported = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Thread worker;
    private volatile boolean running = true;
    private long lastWarning;

    private OtlpExporter(URI endpoint, String node, String serviceName) {
        this.endpoint = endpoint;
        this.node = node;
        this.serviceName = serviceName;
        this.worker = new Thread(this::run, "otlp-exporter");
        worker.setDaemon(true);
    }

    /**
     * @param endpoint the collector's traces URL, e.g. {@code http://127.0.0.1:4318/v1/traces}
     * @param serviceName the resource's {@code service.name} (the node's workload identity)
     */
    public static OtlpExporter start(String endpoint, String node, String serviceName) {
        OtlpExporter e = new OtlpExporter(URI.create(endpoint), node, serviceName);
        e.worker.start();
        return e;
    }

    @Override
    public void onRequest(RequestRecord r) {
        if (!r.sampled() || r.spanId().isEmpty()) {
            return;
        }
        // The local shortcut's inbound copy is the same hop as its outbound record: one span.
        if (r.direction() == RequestRecord.Direction.INBOUND
                && RequestFlags.has(r.flags(), "local")) {
            return;
        }
        if (!queue.offer(r)) {
            dropped.increment();
        }
    }

    /** Spans the collector accepted so far. */
    public long exported() {
        return exported.sum();
    }

    /** Spans dropped: the queue was full, or the collector refused or could not be reached. */
    public long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<RequestRecord> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                RequestRecord first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                send(batch);
            } catch (InterruptedException e) {
                running = false;
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<RequestRecord> batch) {
        HttpRequest request =
                HttpRequest.newBuilder(endpoint)
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        OtlpJson.request(node, serviceName, batch)))
                        .build();
        try {
            HttpResponse<Void> response =
                    http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                exported.add(batch.size());
                return;
            }
            warn("answered " + response.statusCode());
        } catch (java.io.IOException e) {
            warn(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        dropped.add(batch.size());
    }

    /**
     * At most one warning a minute: a collector that is down must not flood the application log.
     */
    private void warn(String what) {
        long now = System.nanoTime();
        if (lastWarning == 0 || now - lastWarning > TimeUnit.MINUTES.toNanos(1)) {
            lastWarning = now;
            log.warn(
                    "OTLP export to {} failed ({}); spans are dropped until it answers",
                    endpoint,
                    what);
        }
    }

    /** Sends what is queued (for up to a few seconds) and stops. */
    @Override
    public void close() {
        running = false;
        try {
            worker.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
