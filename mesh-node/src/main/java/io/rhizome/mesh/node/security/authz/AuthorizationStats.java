package io.rhizome.mesh.node.security.authz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Authorization decisions counted per local service (lock-free), for metrics. Services are this
 * node's own (its configuration), so the map stays small.
 */
public final class AuthorizationStats {
    private final ConcurrentHashMap<String, LongAdder> allowed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> denied = new ConcurrentHashMap<>();

    void count(String service, boolean allow) {
        (allow ? allowed : denied).computeIfAbsent(service, k -> new LongAdder()).increment();
    }

    /** Requests to {@code service} refused with 403 so far. */
    public long denied(String service) {
        LongAdder a = denied.get(service);
        return a == null ? 0 : a.sum();
    }

    /** Requests to {@code service} let through so far. */
    public long allowed(String service) {
        LongAdder a = allowed.get(service);
        return a == null ? 0 : a.sum();
    }

    /** Denials per service, sorted by service. */
    public Map<String, Long> deniedByService() {
        Map<String, Long> out = new TreeMap<>();
        denied.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
