package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connections the data plane carries as bytes (opaque TCP, WebSockets and other upgrades, CONNECT
 * tunnels), by direction and service: opened, closed, failed, bytes each way, and how long they
 * lasted. A connection's bytes and duration are added when it closes; each closed connection is
 * also handed to {@link #connections()} as a record (the access log writes one line per connection,
 * taps show it): its method is its kind in capitals ({@code TCP}, {@code UPGRADE}, {@code
 * CONNECT}), its request and response bytes the bytes each way, its status 0, its flags {@code
 * tunnel}.
 */
public final class TcpStats {
    /** Bounds of the duration histogram, seconds (connections live from milliseconds to hours). */
    public static final double[] DURATION_BOUNDS = {
        0.01, 0.1, 1, 10, 60, 600, 3600, Double.POSITIVE_INFINITY
    };

    /** Distinct (direction, service) series kept; more count under service="other". */
    private static final int MAX_SERIES = 2000;

    private final Map<Key, Counters> series = new ConcurrentHashMap<>();
    private final RequestObservers connections = new RequestObservers();

    /** A connection's counters, by (direction, service). */
    public static final class Counters {
        public final LongAdder opened = new LongAdder();
        public final LongAdder closed = new LongAdder();
        public final LongAdder failed = new LongAdder();

        /** Bytes the caller's side sent (toward the instance). */
        public final LongAdder bytesFromClient = new LongAdder();

        /** Bytes the instance's side sent (toward the caller). */
        public final LongAdder bytesToClient = new LongAdder();

        public final LongAdder[] durationBuckets = new LongAdder[DURATION_BOUNDS.length];
        public final LongAdder durationMicros = new LongAdder();

        Counters() {
            for (int i = 0; i < durationBuckets.length; i++) {
                durationBuckets[i] = new LongAdder();
            }
        }

        public long open() {
            return opened.sum() - closed.sum();
        }
    }

    private record Key(Direction direction, String service) {}

    /** Who sees each closed connection as a record (the access log; taps while they run). */
    public RequestObservers connections() {
        return connections;
    }

    /**
     * A connection joined: counted open until {@link Connection#closed()}.
     *
     * @param kind {@code tcp} (opaque), {@code upgrade} (WebSocket and others) or {@code connect}
     *     (egress tunnel)
     * @param peer the other end this node joined the caller to (host:port)
     */
    public Connection opened(
            Direction direction, String service, String kind, String caller, String peer) {
        Counters c = counters(direction, service);
        c.opened.increment();
        return new Connection(c, direction, service, kind, caller, peer);
    }

    /**
     * A connection that could not be carried (no endpoint, refused, not allowed): counted, and one
     * record with {@code error} (an {@code x-rhizome-error} code) for the access log and taps.
     */
    public void failed(
            Direction direction, String service, String kind, String caller, String error) {
        counters(direction, service).failed.increment();
        if (!connections.isEmpty()) {
            connections.onRequest(
                    record(
                            direction,
                            service,
                            kind,
                            caller,
                            "",
                            System.currentTimeMillis(),
                            0,
                            0,
                            0,
                            error));
        }
    }

    private static RequestRecord record(
            Direction direction,
            String service,
            String kind,
            String caller,
            String peer,
            long startMillis,
            long nanos,
            long fromClient,
            long toClient,
            String error) {
        return new RequestRecord(
                direction,
                service,
                "",
                caller,
                kind.toUpperCase(java.util.Locale.ROOT),
                service,
                "",
                0,
                error,
                startMillis,
                nanos,
                fromClient,
                toClient,
                peer,
                "",
                0,
                RequestFlags.text(RequestFlags.TUNNEL));
    }

    /** Each series' counters, by direction label and service. */
    public void forEach(SeriesConsumer consumer) {
        series.forEach((k, c) -> consumer.accept(k.direction().label(), k.service(), c));
    }

    public interface SeriesConsumer {
        void accept(String direction, String service, Counters counters);
    }

    private Counters counters(Direction direction, String service) {
        Key key = new Key(direction, service);
        Counters c = series.get(key);
        if (c != null) {
            return c;
        }
        if (series.size() >= MAX_SERIES) {
            return series.computeIfAbsent(new Key(direction, "other"), k -> new Counters());
        }
        return series.computeIfAbsent(key, k -> new Counters());
    }

    /** One open connection: its bytes are counted by the event loop that carries it. */
    public final class Connection {
        private final Counters counters;
        private final Direction direction;
        private final String service;
        private final String kind;
        private final String caller;
        private final String peer;
        private final long startNanos = System.nanoTime();
        private final long startMillis = System.currentTimeMillis();
        private long fromClient;
        private long toClient;
        private boolean closed;

        private Connection(
                Counters counters,
                Direction direction,
                String service,
                String kind,
                String caller,
                String peer) {
            this.counters = counters;
            this.direction = direction;
            this.service = service;
            this.kind = kind;
            this.caller = caller;
            this.peer = peer;
        }

        public void fromClient(long bytes) {
            fromClient += bytes;
        }

        public void toClient(long bytes) {
            toClient += bytes;
        }

        /** Both sides are done: the totals go to the counters and the listeners (once). */
        public void closed() {
            if (closed) {
                return;
            }
            closed = true;
            long nanos = System.nanoTime() - startNanos;
            counters.closed.increment();
            counters.bytesFromClient.add(fromClient);
            counters.bytesToClient.add(toClient);
            counters.durationMicros.add(nanos / 1000);
            double seconds = nanos / 1e9;
            for (int i = 0; i < DURATION_BOUNDS.length; i++) {
                if (seconds <= DURATION_BOUNDS[i]) {
                    counters.durationBuckets[i].increment();
                    break;
                }
            }
            if (!connections.isEmpty()) {
                connections.onRequest(
                        record(
                                direction,
                                service,
                                kind,
                                caller,
                                peer,
                                startMillis,
                                nanos,
                                fromClient,
                                toClient,
                                ""));
            }
        }
    }
}
