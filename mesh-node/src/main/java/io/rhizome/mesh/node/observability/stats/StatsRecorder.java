package io.rhizome.mesh.node.observability.stats;

import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * This node's windowed request figures, per direction and service, per Route, and per edge (caller
 * → service), for {@code meshctl stat}, {@code top} and the dashboard. Registered on the data plane
 * at start; recording is lock-free and allocates nothing per request once a key exists.
 *
 * <p>Success is "not 5xx" (as Linkerd counts it): the mesh's own 4xx answers (429 rate-limited, 403
 * denied, 404 no-route) are policy doing its job and count as successes, reported apart as {@code
 * refused}. Requests for no mesh service (egress, unknown names) are not recorded.
 *
 * <p>Edges: on the outbound side the caller is this node's workload identity ({@code
 * rhizome.identity.service}), else its only local service, else the node's name (kind {@code
 * node}); on the inbound side it is the service of the peer's verified SPIFFE id, known only with
 * TLS, and no edge is recorded without one.
 */
public final class StatsRecorder implements RequestObserver {
    /** Services kept per direction; beyond it, new services are not recorded. */
    static final int MAX_SERVICES = 512;

    /** Routes and callers kept per service. */
    static final int MAX_KEYS_PER_SERVICE = 128;

    /** The shortest and longest window: 10 s and 5 minutes, in steps of 10 s. */
    public static final Duration MIN_WINDOW = Duration.ofMillis(StatsWindow.SLOT_MILLIS);

    public static final Duration MAX_WINDOW =
            Duration.ofMillis(StatsWindow.SLOT_MILLIS * (StatsWindow.SLOTS - 1));

    private static final class ServiceStats {
        final StatsWindow total = new StatsWindow();
        final ConcurrentHashMap<String, StatsWindow> routes = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, StatsWindow> callers = new ConcurrentHashMap<>();
    }

    private final LongSupplier clock;
    private final long startMillis;
    private final String localCaller;
    private final String localCallerKind;
    private final ConcurrentHashMap<String, ServiceStats> outbound = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ServiceStats> inbound = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StatsWindow> tcpOutbound = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StatsWindow> tcpInbound = new ConcurrentHashMap<>();

    /**
     * Records connections carried as bytes (register it on the data plane's closed connections).
     */
    private final RequestObserver connections = this::onConnection;

    private StatsRecorder(LongSupplier clock, String localCaller, String localCallerKind) {
        this.clock = clock;
        this.startMillis = clock.getAsLong();
        this.localCaller = localCaller;
        this.localCallerKind = localCallerKind;
    }

    /**
     * @param identity this node's workload identity service, {@code ""} when none
     * @param localServices the services this node fronts
     * @param nodeName the caller's name on outbound edges when neither says who calls
     */
    public static StatsRecorder create(
            String identity, List<String> localServices, String nodeName, LongSupplier clock) {
        if (!identity.isEmpty()) {
            return new StatsRecorder(clock, identity, StatRow.SERVICE);
        }
        if (localServices.size() == 1) {
            return new StatsRecorder(clock, localServices.get(0), StatRow.SERVICE);
        }
        return new StatsRecorder(clock, nodeName, "node");
    }

    /** Who this node's outbound requests come from (its identity, only service, or name). */
    public String localCaller() {
        return localCaller;
    }

    /**
     * This node's workload service when it has one ({@link #localCaller()} unless that is the
     * node's name), else {@code ""}.
     */
    public String localCallerService() {
        return localCallerKind.equals(StatRow.SERVICE) ? localCaller : "";
    }

    @Override
    public void onRequest(RequestRecord r) {
        if (r.service().isEmpty()) {
            return;
        }
        boolean out = r.direction() == RequestRecord.Direction.OUTBOUND;
        ServiceStats s = stats(out ? outbound : inbound, r.service());
        if (s == null) {
            return;
        }
        long now = clock.getAsLong();
        boolean failure =
                r.failed(); // a gRPC status other than OK counts, though its HTTP status is 200
        boolean refused = !failure && r.status() >= 400 && !r.error().isEmpty();
        int bucket = LatencyHistogram.bucketOf(r.durationNanos() / 1000);
        s.total.record(now, failure, refused, bucket);
        if (!r.route().isEmpty()) {
            StatsWindow w = window(s.routes, r.route());
            if (w != null) {
                w.record(now, failure, refused, bucket);
            }
        }
        String caller = out ? localCaller : serviceOfIdentity(r.caller());
        if (!caller.isEmpty()) {
            StatsWindow w = window(s.callers, caller);
            if (w != null) {
                w.record(now, failure, refused, bucket);
            }
        }
    }

    /** What records the data plane's closed connections: register it where they are handed out. */
    public RequestObserver connectionObserver() {
        return connections;
    }

    /**
     * A connection closed (or failed): one per connection, with its bytes both ways and how long it
     * lasted.
     */
    private void onConnection(RequestRecord r) {
        if (r.service().isEmpty()) {
            return;
        }
        ConcurrentHashMap<String, StatsWindow> map =
                r.direction() == RequestRecord.Direction.OUTBOUND ? tcpOutbound : tcpInbound;
        StatsWindow w = map.get(r.service());
        if (w == null && map.size() < MAX_SERVICES) {
            w = map.computeIfAbsent(r.service(), k -> new StatsWindow());
        }
        if (w != null) {
            w.recordConnection(
                    clock.getAsLong(),
                    !r.error().isEmpty(),
                    r.requestBytes() + r.responseBytes(),
                    LatencyHistogram.bucketOf(r.durationNanos() / 1000));
        }
    }

    private static ServiceStats stats(ConcurrentHashMap<String, ServiceStats> map, String service) {
        ServiceStats s = map.get(service);
        if (s == null && map.size() < MAX_SERVICES) {
            s = map.computeIfAbsent(service, k -> new ServiceStats());
        }
        return s;
    }

    private static StatsWindow window(ConcurrentHashMap<String, StatsWindow> map, String key) {
        StatsWindow w = map.get(key);
        if (w == null && map.size() < MAX_KEYS_PER_SERVICE) {
            w = map.computeIfAbsent(key, k -> new StatsWindow());
        }
        return w;
    }

    /**
     * {@code spiffe://domain/service/orders} → {@code orders}; another id as is; {@code ""} stays.
     */
    public static String serviceOfIdentity(String spiffeId) {
        int i = spiffeId.lastIndexOf("/service/");
        return i < 0 ? spiffeId : spiffeId.substring(i + "/service/".length());
    }

    /** Whether {@code window} is one this recorder answers: 10 s..5 min in steps of 10 s. */
    public static boolean validWindow(Duration window) {
        return window.compareTo(MIN_WINDOW) >= 0
                && window.compareTo(MAX_WINDOW) <= 0
                && window.toMillis() % StatsWindow.SLOT_MILLIS == 0;
    }

    /** This node's figures over {@code window} (see {@link #validWindow}). */
    public NodeStats snapshot(Duration window) {
        if (!validWindow(window)) {
            throw new IllegalArgumentException(
                    "window: " + window + " (expected: 10s..5m in steps of 10s)");
        }
        long now = clock.getAsLong();
        // The last window/10s full slots plus the current, partial one.
        int slots = (int) (window.toMillis() / StatsWindow.SLOT_MILLIS) + 1;
        long covered =
                Math.min(window.toMillis() + now % StatsWindow.SLOT_MILLIS, now - startMillis);
        List<StatRow> rows = new ArrayList<>();
        collect(outbound, "outbound", now, slots, rows);
        collect(inbound, "inbound", now, slots, rows);
        tcpOutbound.forEach(
                (service, w) ->
                        add(rows, StatRow.TCP, "outbound", service, "", "", "", w, now, slots));
        tcpInbound.forEach(
                (service, w) ->
                        add(rows, StatRow.TCP, "inbound", service, "", "", "", w, now, slots));
        return new NodeStats(Math.max(1, covered), rows);
    }

    private void collect(
            Map<String, ServiceStats> map,
            String direction,
            long now,
            int slots,
            List<StatRow> rows) {
        map.forEach(
                (service, s) -> {
                    add(rows, StatRow.SERVICE, direction, service, "", "", "", s.total, now, slots);
                    s.routes.forEach(
                            (route, w) ->
                                    add(
                                            rows,
                                            StatRow.ROUTE,
                                            direction,
                                            service,
                                            route,
                                            "",
                                            "",
                                            w,
                                            now,
                                            slots));
                    s.callers.forEach(
                            (caller, w) ->
                                    add(
                                            rows,
                                            StatRow.EDGE,
                                            direction,
                                            service,
                                            "",
                                            caller,
                                            direction.equals("outbound")
                                                    ? localCallerKind
                                                    : StatRow.SERVICE,
                                            w,
                                            now,
                                            slots));
                });
    }

    private static void add(
            List<StatRow> rows,
            String kind,
            String direction,
            String service,
            String route,
            String caller,
            String callerKind,
            StatsWindow w,
            long now,
            int slots) {
        long[] sums = StatsWindow.newSums();
        if (!w.sumInto(now, slots, sums) || sums[StatsWindow.REQUESTS] == 0) {
            return;
        }
        long[] latency = new long[LatencyHistogram.BUCKETS];
        System.arraycopy(sums, StatsWindow.LATENCY, latency, 0, latency.length);
        rows.add(
                new StatRow(
                        kind,
                        direction,
                        service,
                        route,
                        caller,
                        callerKind,
                        sums[StatsWindow.REQUESTS],
                        sums[StatsWindow.FAILURES],
                        sums[StatsWindow.REFUSED],
                        sums[StatsWindow.BYTES],
                        latency));
    }
}
