package io.rhizome.mesh.node.observability.metrics;

import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters by {@code (direction, service, route)}, fed by the data plane's RequestRecords.
 * Finding a record's series is two hash lookups on strings the record already holds (no key object
 * per request); counting is LongAdders. Label cardinality is bounded: no paths, and beyond
 * {@code maxSeries} distinct series, new ones count under {@code service="other", route="other"}.
 */
public final class RequestMetrics implements RequestObserver {
    static final String OTHER = "other";

    private final int maxSeries;
    private final AtomicInteger series = new AtomicInteger();
    /** Per direction: service → route → series. */
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, RequestSeries>>[] table = new ConcurrentHashMap[2];
    private final RequestSeries[] overflow = new RequestSeries[2];

    private RequestMetrics(int maxSeries) {
        if (maxSeries < 1) {
            throw new IllegalArgumentException("maxSeries: " + maxSeries + " (expected: 1 or more)");
        }
        this.maxSeries = maxSeries;
        for (RequestRecord.Direction d : RequestRecord.Direction.values()) {
            table[d.ordinal()] = new ConcurrentHashMap<>();
            overflow[d.ordinal()] = new RequestSeries(d.label(), OTHER, OTHER);
        }
    }

    /** Counts requests of at most {@code maxSeries} distinct {@code (direction, service, route)}. */
    public static RequestMetrics create(int maxSeries) {
        return new RequestMetrics(maxSeries);
    }

    @Override
    public void onRequest(RequestRecord r) {
        RequestSeries s = seriesOf(r.direction(), r.service(), r.route());
        s.count(r.status());
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

    private RequestSeries seriesOf(RequestRecord.Direction direction, String service, String route) {
        ConcurrentHashMap<String, ConcurrentHashMap<String, RequestSeries>> byService = table[direction.ordinal()];
        ConcurrentHashMap<String, RequestSeries> byRoute = byService.get(service);
        if (byRoute != null) {
            RequestSeries s = byRoute.get(route);
            if (s != null) {
                return s;
            }
        }
        return create(direction, service, route);
    }

    private RequestSeries create(RequestRecord.Direction direction, String service, String route) {
        if (series.get() >= maxSeries) {
            return overflow[direction.ordinal()];
        }
        ConcurrentHashMap<String, RequestSeries> byRoute =
                table[direction.ordinal()].computeIfAbsent(service, k -> new ConcurrentHashMap<>());
        return byRoute.computeIfAbsent(route, k -> {
            series.incrementAndGet();
            return new RequestSeries(direction.label(), service, route);
        });
    }

    /** Every series with a count, sorted by direction, service, route (a stable scrape). */
    List<RequestSeries> snapshot() {
        List<RequestSeries> out = new ArrayList<>();
        for (int d = 0; d < table.length; d++) {
            table[d].values().forEach(m -> out.addAll(m.values()));
            RequestSeries o = overflow[d];
            if (total(o) > 0) {
                out.add(o);
            }
        }
        out.sort(Comparator.comparing((RequestSeries s) -> s.direction).thenComparing(s -> s.service)
                .thenComparing(s -> s.route));
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
        out.family("rhizome_requests_total", "counter",
                "Requests that finished, by direction, service, route and status code (0: the caller left before a response).");
        for (RequestSeries s : all) {
            for (int code = 0; code < RequestSeries.CODES; code++) {
                LongAdder a = s.byCode.get(code);
                if (a != null) {
                    out.sample("rhizome_requests_total", a.sum(), "direction", s.direction, "service", s.service,
                            "route", s.route, "code", Integer.toString(code));
                }
            }
        }
        out.family("rhizome_request_duration_seconds", "histogram",
                "Time from the request head arriving to the response's last byte, by direction, service and route.");
        for (RequestSeries s : all) {
            long cumulative = 0;
            for (int i = 0; i < RequestSeries.BOUNDS.length; i++) {
                cumulative += s.buckets[i].sum();
                out.sample("rhizome_request_duration_seconds_bucket", cumulative, "direction", s.direction,
                        "service", s.service, "route", s.route, "le", PrometheusText.le(RequestSeries.BOUNDS[i]));
            }
            out.sample("rhizome_request_duration_seconds_sum", s.durationNanos.sum() / 1e9, "direction", s.direction,
                    "service", s.service, "route", s.route);
            out.sample("rhizome_request_duration_seconds_count", cumulative, "direction", s.direction,
                    "service", s.service, "route", s.route);
        }
        counter(out, all, "rhizome_request_bytes_total", "Request body bytes received from callers.", s -> s.requestBytes);
        counter(out, all, "rhizome_response_bytes_total", "Response body bytes sent to callers.", s -> s.responseBytes);
        counter(out, all, "rhizome_retries_total", "Retries sent upstream (within the retry budget).", s -> s.retries);
        counter(out, all, "rhizome_retry_budget_exhausted_total",
                "Requests that wanted a retry the destination's retry budget did not allow.", s -> s.retryBudgetExhausted);
        counter(out, all, "rhizome_timeouts_total", "Requests on which a route timeout or per-try timeout fired.", s -> s.timeouts);
        counter(out, all, "rhizome_circuit_breaker_overflows_total",
                "Requests refused because the destination's circuit-breaker max-requests were in flight (503 overflow).",
                s -> s.overflows);
        counter(out, all, "rhizome_outlier_ejections_total", "Endpoint ejections (outlier detection) caused by requests.",
                s -> s.ejections);
        counter(out, all, "rhizome_rate_limited_total", "Requests refused by a RateLimit (429).", s -> s.rateLimited);
        counter(out, all, "rhizome_client_aborts_total", "Requests whose caller left before the response ended.",
                s -> s.clientAborts);
    }

    private static void counter(PrometheusText out, List<RequestSeries> all, String name, String help,
            java.util.function.Function<RequestSeries, LongAdder> f) {
        out.family(name, "counter", help);
        for (RequestSeries s : all) {
            out.sample(name, f.apply(s).sum(), "direction", s.direction, "service", s.service, "route", s.route);
        }
    }
}
