package io.rhizome.mesh.node.admin;

import io.rhizome.mesh.node.observability.tap.TapActor;
import io.rhizome.mesh.node.observability.tap.TapEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * The tapping node's end of one tap: receives every member's batches and offers them, one JSON line
 * per request, to the HTTP response's bounded queue. Stops itself after {@code max} requests; when
 * it stops, the members see it (death watch) and close their side of the tap.
 */
final class TapSession {
    /** Sent when the HTTP stream has ended. */
    static final Object STOP = "stop";

    /**
     * Sent when the HTTP response starts streaming; without it within 10 s the session gives up.
     */
    static final Object STREAMING = "streaming";

    private TapSession() {}

    /** Takes {@link TapActor.Batch}es (hand members its ref narrowed to them) and {@link #STOP}. */
    static Behavior<Object> create(BoundedSourceQueue<String> queue, long max) {
        return Behaviors.withTimers(
                timers -> {
                    timers.startSingleTimer(STOP, STOP, java.time.Duration.ofSeconds(10));
                    return running(queue, max, new long[2], timers);
                });
    }

    /**
     * {@code counts[0]}: requests sent; {@code counts[1]}: dropped here (queue full), not yet
     * reported.
     */
    private static Behavior<Object> running(
            BoundedSourceQueue<String> queue,
            long max,
            long[] counts,
            org.apache.pekko.actor.typed.javadsl.TimerScheduler<Object> timers) {
        return Behaviors.receive(Object.class)
                .onMessageEquals(
                        STOP,
                        () -> {
                            queue.complete();
                            return Behaviors.stopped();
                        })
                .onMessageEquals(
                        STREAMING,
                        () -> {
                            timers.cancel(STOP);
                            return Behaviors.same();
                        })
                .onMessage(
                        TapActor.Batch.class,
                        batch -> {
                            long dropped = batch.dropped() + counts[1];
                            counts[1] = 0;
                            if (dropped > 0
                                    && queue.offer(
                                                    Json.line(
                                                            Map.of(
                                                                    "type",
                                                                    "dropped",
                                                                    "node",
                                                                    batch.node(),
                                                                    "count",
                                                                    dropped)))
                                            != QueueOfferResult.enqueued()) {
                                counts[1] = dropped;
                            }
                            for (TapEvent e : batch.events()) {
                                if (queue.offer(Json.line(line(e)))
                                        == QueueOfferResult.enqueued()) {
                                    if (++counts[0] >= max) {
                                        queue.offer(
                                                Json.line(
                                                        Map.of(
                                                                "type",
                                                                "end",
                                                                "reason",
                                                                "max",
                                                                "requests",
                                                                counts[0])));
                                        queue.complete();
                                        return Behaviors.stopped();
                                    }
                                } else {
                                    counts[1]++;
                                }
                            }
                            return Behaviors.same();
                        })
                .build();
    }

    static Map<String, Object> line(TapEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "request");
        m.put("time", Instant.ofEpochMilli(e.startMillis()).toString());
        m.put("node", e.node());
        m.put("direction", e.direction());
        m.put("service", e.service());
        m.put("route", e.route());
        m.put("method", e.method());
        m.put("path", e.path());
        m.put("status", e.status());
        if (e.grpcStatus() >= 0) {
            m.put(
                    "grpc-status",
                    e.grpcStatus()); // gRPC calls only; their path names service and method
        }
        m.put("error", e.error());
        m.put("latency-ms", Math.round(e.latencyMicros() / 10.0) / 100.0);
        m.put("caller", e.caller());
        m.put("endpoint", e.upstream());
        m.put("flags", e.flags());
        if (e.headers().length > 0) {
            // Only for taps with include-headers; a repeated header's values are joined as HTTP
            // allows.
            Map<String, Object> headers = new LinkedHashMap<>();
            for (int i = 0; i + 1 < e.headers().length; i += 2) {
                headers.merge(e.headers()[i], e.headers()[i + 1], (a, b) -> a + ", " + b);
            }
            m.put("headers", headers);
        }
        return m;
    }
}
