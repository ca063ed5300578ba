package io.rhizome.mesh.node.observability.tap;

import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The taps active on this node. Each is a temporary {@link RequestObserver} on the data plane that
 * copies matching requests into a bounded lock-free buffer ({@link #BUFFER} events; when full,
 * events are dropped and counted), which {@link TapActor} drains to the tapping node. A node with
 * no tap has no observer and does no tap work at all.
 */
public final class TapHub {
    /** Events buffered per tap between flushes; beyond it they are dropped and counted. */
    public static final int BUFFER = 1024;

    /** Taps one node serves at once. */
    public static final int MAX_TAPS = 16;

    /** One active tap: its observer and buffer. */
    final class Tap implements RequestObserver {
        final String id;
        final TapFilter filter;
        final ConcurrentLinkedQueue<TapEvent> buffer = new ConcurrentLinkedQueue<>();
        final AtomicInteger size = new AtomicInteger();
        final AtomicLong dropped = new AtomicLong();

        Tap(String id, TapFilter filter) {
            this.id = id;
            this.filter = filter;
        }

        @Override
        public void onRequest(RequestRecord r) {
            if (!filter.matches(r)) {
                return;
            }
            if (size.incrementAndGet() > BUFFER) {
                size.decrementAndGet();
                dropped.incrementAndGet();
                return;
            }
            buffer.add(TapEvent.of(nodeName, localCaller, r, filter.includeHeaders()));
        }

        /** Takes what is buffered (at most {@code max}). */
        List<TapEvent> drain(int max) {
            List<TapEvent> out = new ArrayList<>();
            TapEvent e;
            while (out.size() < max && (e = buffer.poll()) != null) {
                size.decrementAndGet();
                out.add(e);
            }
            return out;
        }
    }

    private final RequestObservers observers;

    /** Closed connections (TCP, upgrades, CONNECT), shown by taps beside requests. */
    private final RequestObservers connections;

    private final String nodeName;
    private final String localCaller;
    private final Map<String, Tap> taps = new ConcurrentHashMap<>();

    public TapHub(RequestObservers observers, String nodeName, String localCaller) {
        this(observers, new RequestObservers(), nodeName, localCaller);
    }

    /** Taps see {@code observers}' requests and {@code connections}' closed connections. */
    public TapHub(
            RequestObservers observers,
            RequestObservers connections,
            String nodeName,
            String localCaller) {
        this.observers = observers;
        this.connections = connections;
        this.nodeName = nodeName;
        this.localCaller = localCaller;
    }

    /** Starts a tap; empty when this node already serves {@link #MAX_TAPS}. */
    synchronized java.util.Optional<Tap> open(String id, TapFilter filter) {
        Tap existing = taps.get(id);
        if (existing != null) {
            return java.util.Optional.of(existing);
        }
        if (taps.size() >= MAX_TAPS) {
            return java.util.Optional.empty();
        }
        Tap tap = new Tap(id, filter);
        taps.put(id, tap);
        if (filter.includeHeaders()) {
            observers.wantHeaders(true);
        }
        observers.register(tap);
        connections.register(tap);
        return java.util.Optional.of(tap);
    }

    synchronized void close(String id) {
        Tap tap = taps.remove(id);
        if (tap != null) {
            observers.unregister(tap);
            connections.unregister(tap);
            if (tap.filter.includeHeaders()) {
                observers.wantHeaders(false);
            }
        }
    }

    Iterable<Tap> all() {
        return taps.values();
    }

    /** How many taps this node serves now (0 once every tap has ended). */
    public int active() {
        return taps.size();
    }

    public String nodeName() {
        return nodeName;
    }
}
