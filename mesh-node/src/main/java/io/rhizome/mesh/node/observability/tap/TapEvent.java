package io.rhizome.mesh.node.observability.tap;

import io.rhizome.mesh.node.observability.RequestRecord;

/**
 * One tapped request as it travels to the tapping node (Kryo). Never header values, bodies, query
 * strings or anything secret: only what identifies the exchange and how it went.
 *
 * @param caller outbound: this node's workload (as in stat's edges); inbound: the peer's verified
 *               SPIFFE id, {@code ""} without TLS
 */
public record TapEvent(
        String node,
        String direction,
        String service,
        String route,
        String method,
        String path,
        int status,
        String error,
        long latencyMicros,
        String caller,
        String upstream,
        long startMillis,
        String flags) {

    static TapEvent of(String node, String localCaller, RequestRecord r) {
        boolean out = r.direction() == RequestRecord.Direction.OUTBOUND;
        return new TapEvent(node, r.direction().label(), r.service(), r.route(), r.method(), r.path(), r.status(),
                r.error(), r.durationNanos() / 1000, out ? localCaller : r.caller(), r.upstream(), r.startMillis(),
                r.flags());
    }
}
