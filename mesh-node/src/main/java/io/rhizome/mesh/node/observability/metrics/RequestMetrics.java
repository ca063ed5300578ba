package io.rhizome.mesh.node.observability.metrics;

import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters by {@code (direction, service, route, subset, caller)}, fed by the data plane's
 * RequestRecords. Finding a record's series is four hash lookups on strings the record already
 * holds (no key object per request); counting is LongAdders. Label cardinality is bounded: no
 * paths, and beyond {@code maxSeries} distinct series, new ones count under {@code "other"} in
 * every label but the direction.
 *
 * <p>{@code caller} is the calling workload's service: outbound, this node's own ({@code
 * localCaller}); inbound, the service of the peer's verified SPIFFE id (mTLS only; {@code ""}
 * without), and this node's own for a call that took the local shortcut. {@code subset} is the
 * Route backend's label subset ({@code version=v2}) outbound, {@code ""} inbound (the calling node
 * chose it).
 */
public final class RequestMetrics implements RequestObserver {
    static final String OTHER = "other";

    /**
     * The caller key of a local-shortcut call's inbound record: the caller is this node's workload.
     */
    private static final String LOCAL_CALLER = "\0local";

    private final int maxSeries;
    private final String localCaller;
    private final AtomicInteger series = new AtomicInteger();

    /** Per direction: service → route → subset → caller key (the record's caller) → series. */
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<
                    String,
                    ConcurrentHashMap<
                            String,
                            ConcurrentHashMap<String, ConcurrentHashMap<String, RequestSeries>>>>[]
            table = new ConcurrentHashMap[2];

    private final RequestSeries[] overflow = new RequestSeries[2];

    private RequestMetrics(int maxSeries, String localCaller) {
        if (maxSeries < 1) {
            throw new IllegalArgumentException(
                    "maxSeries: " + maxSeries + " (expected: 1 or more)");
        }
        this.maxSeries = maxSeries;
        this.localCaller = java.util.Objects.requireNonNull(localCaller, "localCaller");
        for (RequestRecord.Direction d : RequestRecord.Direction.values()) {
            table[d.ordinal()] = new ConcurrentHashMap<>();
            overflow[d.ordinal()] = new RequestSeries(d.label(), OTHER, OTHER, OTHER, OTHER);
        }
    }

    /**
     * Counts requests of at most {@code maxSeries} distinct label sets; this node's workload
     * unknown.
     */
    public static RequestMetrics create(int maxSeries) {
        return create(maxSeries, "");
    }

    /**
     * @param localCaller this node's workload service ({@code identity.service}, else its only
     *     local service), the caller of its outbound requests; {@code ""} when unknown
     */
    public static RequestMetrics create(int maxSeries, String localCaller) {
        return new RequestMetrics(maxSeries, localCaller);
    }

    @Override
    public void onRequest(RequestRecord r) {
        RequestSeries s = seriesOf(r.direction(), r.service(), r.route(), r.subset(), callerKey(r));
        s.count(r.status());
        s.countGrpc(r.grpcStatus());
        s.observe(r.durationNanos());
        s.requestBytes.add(r.requestBytes());
        s.responseBytes.add(r.responseBytes());
        if (r.retries() > 0) {
            s.retries.add(r.retries());
        }
        String flags = r.flags();
        if (!flags.isEmpty()) {
            if (RequestFlags.has(flags, "timeout")) {
                s.timeouts.increment();
            }
            if (RequestFlags.has(flags, "ejected")) {
                s.ejections.increment();
            }
            if (RequestFlags.has(flags, "retry-budget-exhausted")) {
                s.retryBudgetExhausted.increment();
            }
            if (RequestFlags.has(flags, "overflow")) {
                s.overflows.increment();
            }
            if (RequestFlags.has(flags, "rate-limited")) {
                s.rateLimited.increment();
            }
            if (RequestFlags.has(flags, "client-abort")) {
                s.clientAborts.increment();
            }
        }
    }

    /**
     * The key the caller's series is found by; its label is derived once, when the series is made.
     */
    private static String callerKey(RequestRecord r) {
        if (r.direction() == RequestRecord.Direction.OUTBOUND) {
            return "";
        }
        String caller = r.caller();
        return caller.isEmpty() && RequestFlags.has(r.flags(), "local") ? LOCAL_CALLER : caller;
    }

    private String callerLabel(RequestRecord.Direction direction, String key) {
        if (direction == RequestRecord.Direction.OUTBOUND || key.equals(LOCAL_CALLER)) {
            return localCaller;
        }
        return StatsRecorder.serviceOfIdentity(key);
    }

    private RequestSeries seriesOf(
            RequestRecord.Direction direction,
            String service,
            String route,
            String subset,
            String callerKey) {
        var byRoute = table[direction.ordinal()].get(service);
        if (byRoute != null) {
            var bySubset = byRoute.get(route);
            if (bySubset != null) {
                var byCaller = bySubset.get(subset);
                if (byCaller != null) {
                    RequestSeries s = byCaller.get(callerKey);
                    if (s != null) {
                        return s;
                    }
                }
            }
        }
        return create(direction, service, route, subset, callerKey);
    }

    private RequestSeries create(
            RequestRecord.Direction direction,
            String service,
            String route,
            String subset,
            String callerKey) {
        if (series.get() >= maxSeries) {
            return overflow[direction.ordinal()];
        }
        return table[direction.ordinal()]
                .computeIfAbsent(service, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(route, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(subset, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(
                        callerKey,
                        k -> {
                            series.incrementAndGet();
                            return new RequestSeries(
                                    direction.label(),
                                    service,
                                    route,
                                    subset,
                                    callerLabel(direction, k));
                        });
    }

    /** Every series with a count, sorted by its labels (a stable scrape). */
    List<RequestSeries> snapshot() {
        List<RequestSeries> out = new ArrayList<>();
        for (int d = 0; d < table.length; d++) {
            table[d].values()
                    .forEach(
                            byRoute ->
                                    byRoute.values()
                                            .forEach(
                                                    bySubset ->
                                                            bySubset.values()
                                                                    .forEach(
                                                                            byCaller ->
                                                                                    out.addAll(
                                                                                            byCaller
                                                                                                    .values()))));
            RequestSeries o = overflow[d];
            if (total(o) > 0) {
                out.add(o);
            }
        }
        out.sort(
                Comparator.comparing((RequestSeries s) -> s.direction)
                        .thenComparing(s -> s.service)
                        .thenComparing(s -> s.route)
                        .thenComparing(s -> s.subset)
                        .thenComparing(s -> s.caller));
        return out;
    }

    static long total(RequestSeries s) {
        long n = 0;
        for (LongAdder b : s.buckets) {
            n += b.sum();
        }
        return n;
    }

    /** Writes every request family. */
    void write(PrometheusText out) {
        List<RequestSeries> all = snapshot();
        out.family(
                "rhizome_requests_total",
                "counter",
                "Requests that finished, by direction, service, route, backend subset, caller and status code (0: the caller left before a response).");
        for (RequestSeries s : all) {
            for (int code = 0; code < RequestSeries.CODES; code++) {
                LongAdder a = s.byCode.get(code);
                if (a != null) {
                    out.sample(
                            "rhizome_requests_total",
                            a.sum(),
                            s.labels("code", Integer.toString(code)));
                }
            }
        }
        out.family(
                "rhizome_grpc_requests_total",
                "counter",
                "gRPC calls that finished with a grpc-status, by direction, service, route, backend subset, caller and grpc_status (0 OK .. 16).");
        for (RequestSeries s : all) {
            for (int code = 0; code < RequestSeries.GRPC_STATUSES; code++) {
                LongAdder a = s.byGrpcStatus.get(code);
                if (a != null) {
                    out.sample(
                            "rhizome_grpc_requests_total",
                            a.sum(),
                            s.labels("grpc_status", Integer.toString(code)));
                }
            }
        }
        out.family(
                "rhizome_request_duration_seconds",
                "histogram",
                "Time from the request head arriving to the response's last byte, by direction, service, route, subset and caller.");
        for (RequestSeries s : all) {
            long cumulative = 0;
            for (int i = 0; i < RequestSeries.BOUNDS.length; i++) {
                cumulative += s.buckets[i].sum();
                out.sample(
                        "rhizome_request_duration_seconds_bucket",
                        cumulative,
                        s.labels("le", PrometheusText.le(RequestSeries.BOUNDS[i])));
            }
            out.sample(
                    "rhizome_request_duration_seconds_sum",
                    s.durationNanos.sum() / 1e9,
                    s.labels());
            out.sample("rhizome_request_duration_seconds_count", cumulative, s.labels());
        }
        counter(
                out,
                all,
                "rhizome_request_bytes_total",
                "Request body bytes received from callers.",
                s -> s.requestBytes);
        counter(
                out,
                all,
                "rhizome_response_bytes_total",
                "Response body bytes sent to callers.",
                s -> s.responseBytes);
        counter(
                out,
                all,
                "rhizome_retries_total",
                "Retries sent upstream (within the retry budget).",
                s -> s.retries);
        counter(
                out,
                all,
                "rhizome_retry_budget_exhausted_total",
                "Requests that wanted a retry the destination's retry budget did not allow.",
                s -> s.retryBudgetExhausted);
        counter(
                out,
                all,
                "rhizome_timeouts_total",
                "Requests on which a route timeout or per-try timeout fired.",
                s -> s.timeouts);
        counter(
                out,
                all,
                "rhizome_circuit_breaker_overflows_total",
                "Requests refused because the destination's circuit-breaker max-requests were in flight (503 overflow).",
                s -> s.overflows);
        counter(
                out,
                all,
                "rhizome_outlier_ejections_total",
                "Endpoint ejections (outlier detection) caused by requests.",
                s -> s.ejections);
        counter(
                out,
                all,
                "rhizome_rate_limited_total",
                "Requests refused by a RateLimit (429).",
                s -> s.rateLimited);
        counter(
                out,
                all,
                "rhizome_client_aborts_total",
                "Requests whose caller left before the response ended.",
                s -> s.clientAborts);
    }

    private static void counter(
            PrometheusText out,
            List<RequestSeries> all,
            String name,
            String help,
            java.util.function.Function<RequestSeries, LongAdder> f) {
        out.family(name, "counter", help);
        for (RequestSeries s : all) {
            out.sample(name, f.apply(s).sum(), s.labels());
        }
    }
}
