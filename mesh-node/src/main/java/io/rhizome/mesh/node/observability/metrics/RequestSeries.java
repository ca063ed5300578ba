package io.rhizome.mesh.node.observability.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one {@code (direction, service, route, subset, caller)}: requests by status code,
 * the latency histogram, bytes, and what the mesh did. Lock-free: LongAdders, created once per
 * series (and per status code the first time it is seen).
 */
final class RequestSeries {
    /** Upper bounds of the latency buckets in seconds: 0.5 ms to 10 s, then +Inf. */
    static final double[] BOUNDS = {
        0.0005,
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
        10,
        Double.POSITIVE_INFINITY
    };

    private static final long[] BOUND_NANOS = new long[BOUNDS.length - 1];

    static {
        for (int i = 0; i < BOUND_NANOS.length; i++) {
            BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    /** Status codes 0 (no response) and 100..599; anything else counts as 0. */
    static final int CODES = 600;

    /** gRPC status codes 0 (OK) .. 16 (UNAUTHENTICATED). */
    static final int GRPC_STATUSES = 17;

    final String direction;
    final String service;
    final String route;
    final String subset;
    final String caller;
    final AtomicReferenceArray<LongAdder> byCode = new AtomicReferenceArray<>(CODES);

    /** gRPC calls by {@code grpc-status}, 0..16 (17 values: a bounded label). */
    final AtomicReferenceArray<LongAdder> byGrpcStatus = new AtomicReferenceArray<>(GRPC_STATUSES);

    final LongAdder[] buckets = new LongAdder[BOUNDS.length];
    final LongAdder durationNanos = new LongAdder();
    final LongAdder requestBytes = new LongAdder();
    final LongAdder responseBytes = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder retryBudgetExhausted = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder overflows = new LongAdder();
    final LongAdder ejections = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder clientAborts = new LongAdder();

    RequestSeries(String direction, String service, String route, String subset, String caller) {
        this.direction = direction;
        this.service = service;
        this.route = route;
        this.subset = subset;
        this.caller = caller;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void count(int status) {
        int code = status >= 100 && status < CODES ? status : 0;
        LongAdder a = byCode.get(code);
        if (a == null) {
            byCode.compareAndSet(code, null, new LongAdder());
            a = byCode.get(code);
        }
        a.increment();
    }

    void countGrpc(int grpcStatus) {
        if (grpcStatus < 0 || grpcStatus >= GRPC_STATUSES) {
            return;
        }
        LongAdder a = byGrpcStatus.get(grpcStatus);
        if (a == null) {
            byGrpcStatus.compareAndSet(grpcStatus, null, new LongAdder());
            a = byGrpcStatus.get(grpcStatus);
        }
        a.increment();
    }

    /** Its labels, then {@code extra} (name, value pairs), for one sample line. */
    String[] labels(String... extra) {
        String[] out = new String[10 + extra.length];
        out[0] = "direction";
        out[1] = direction;
        out[2] = "service";
        out[3] = service;
        out[4] = "route";
        out[5] = route;
        out[6] = "subset";
        out[7] = subset;
        out[8] = "caller";
        out[9] = caller;
        System.arraycopy(extra, 0, out, 10, extra.length);
        return out;
    }

    void observe(long nanos) {
        int i = 0;
        while (i < BOUND_NANOS.length && nanos > BOUND_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        durationNanos.add(nanos);
    }
}
