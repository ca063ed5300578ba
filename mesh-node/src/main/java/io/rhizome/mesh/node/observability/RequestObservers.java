package io.rhizome.mesh.node.observability;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observers of one data plane (metrics, access log, stat windows, tap). Registration is rare;
 * {@link #onRequest} iterates a copy-on-write snapshot without locks. A failing observer is logged
 * and never fails the request.
 */
public final class RequestObservers implements RequestObserver {
    private static final Logger log = LoggerFactory.getLogger(RequestObservers.class);

    private final CopyOnWriteArrayList<RequestObserver> observers = new CopyOnWriteArrayList<>();

    /**
     * Taps that show header values: while above 0 the proxy copies each request's headers into its
     * record.
     */
    private final AtomicInteger headerDemand = new AtomicInteger();

    public void register(RequestObserver observer) {
        observers.add(observer);
    }

    public void unregister(RequestObserver observer) {
        observers.remove(observer);
    }

    /**
     * Whether some observer wants the request headers ({@link RequestRecord#headers()}); one
     * volatile read.
     */
    public boolean wantsHeaders() {
        return headerDemand.get() > 0;
    }

    /** An observer starts ({@code true}) or stops wanting request headers; calls must pair up. */
    public void wantHeaders(boolean want) {
        if (want) {
            headerDemand.incrementAndGet();
        } else {
            headerDemand.decrementAndGet();
        }
    }

    public boolean isEmpty() {
        return observers.isEmpty();
    }

    @Override
    public void onRequest(RequestRecord record) {
        for (RequestObserver o : observers) {
            try {
                o.onRequest(record);
            } catch (RuntimeException e) {
                log.warn(
                        "request observer {} failed: {}",
                        o.getClass().getSimpleName(),
                        e.toString());
            }
        }
    }
}
