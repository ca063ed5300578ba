package io.rhizome.mesh.node.observability;

import java.util.concurrent.CopyOnWriteArrayList;
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

    public void register(RequestObserver observer) {
        observers.add(observer);
    }

    public void unregister(RequestObserver observer) {
        observers.remove(observer);
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
                log.warn("request observer {} failed: {}", o.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
