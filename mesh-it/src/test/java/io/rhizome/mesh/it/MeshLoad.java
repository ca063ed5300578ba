package io.rhizome.mesh.it;

import io.rhizome.mesh.testsupport.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Steady concurrent GETs of one URL through a node's outbound port, each answer recorded with the
 * instance that gave it ({@code x-echo-instance}) and when, so a test can ask what happened in any
 * time window.
 */
final class MeshLoad implements AutoCloseable {

    /**
     * One finished request. {@code status} -1: no HTTP answer (the exception is in {@code error}).
     */
    record Call(long startNanos, long endNanos, int status, String instance, String error) {
        boolean failed() {
            return status != 200;
        }

        long millis() {
            return (endNanos - startNanos) / 1_000_000;
        }
    }

    private final HttpClient client;
    private final URI uri;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    MeshLoad(HttpClient client, String url, int concurrency) {
        this.client = client;
        this.uri = URI.create(url);
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(this::loop, "load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    private void loop() {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        while (running.get()) {
            long start = System.nanoTime();
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                calls.add(
                        new Call(
                                start,
                                System.nanoTime(),
                                r.statusCode(),
                                r.headers().firstValue("x-echo-instance").orElse(""),
                                r.statusCode() == 200
                                        ? ""
                                        : r.statusCode()
                                                + " "
                                                + r.headers()
                                                        .firstValue("x-rhizome-error")
                                                        .orElse("")
                                                + " "
                                                + r.body().strip()));
            } catch (Exception e) {
                calls.add(new Call(start, System.nanoTime(), -1, "", e.toString()));
            }
        }
    }

    /** Calls that ended at or after {@code fromNanos} and started before {@code toNanos}. */
    List<Call> between(long fromNanos, long toNanos) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.endNanos() - fromNanos >= 0 && toNanos - c.startNanos() > 0) {
                out.add(c);
            }
        }
        return out;
    }

    List<Call> all() {
        return List.copyOf(calls);
    }

    long count(Predicate<Call> which) {
        return calls.stream().filter(which).count();
    }

    /** Answers per instance among {@code calls} (failures under their status). */
    static Map<String, Long> perInstance(List<Call> calls) {
        Map<String, Long> out = new TreeMap<>();
        for (Call c : calls) {
            out.merge(
                    c.instance().isEmpty() ? "status-" + c.status() : c.instance(), 1L, Long::sum);
        }
        return out;
    }

    /** Waits until {@code n} more calls than now have finished. */
    void awaitMore(int n, Duration timeout) throws InterruptedException {
        int target = calls.size() + n;
        Eventually.until(n + " more requests", timeout, () -> calls.size() >= target);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
