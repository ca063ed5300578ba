package io.rhizome.mesh.node.observability.tap;

import io.rhizome.mesh.node.observability.RequestRecord;

/**
 * One tapped request as it travels to the tapping node (Kryo). Never bodies, query strings or
 * anything secret: what identifies the exchange and how it went, and the request's header values
 * only when the tap asked for them ({@code include-headers}; secrets redacted, see {@code
 * RequestHeaders}).
 *
 * @param caller outbound: this node's workload (as in stat's edges); inbound: the peer's verified
 *     SPIFFE id, {@code ""} without TLS
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
        String flags,
        String[] headers,
        int grpcStatus) {

    private static final String[] NONE = new String[0];

    /** An event without headers, of a request that was not a gRPC call. */
    public TapEvent(
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
        this(
                node,
                direction,
                service,
                route,
                method,
                path,
                status,
                error,
                latencyMicros,
                caller,
                upstream,
                startMillis,
                flags,
                NONE,
                -1);
    }

    static TapEvent of(String node, String localCaller, RequestRecord r, boolean includeHeaders) {
        boolean out = r.direction() == RequestRecord.Direction.OUTBOUND;
        return new TapEvent(
                node,
                r.direction().label(),
                r.service(),
                r.route(),
                r.method(),
                r.path(),
                r.status(),
                r.error(),
                r.durationNanos() / 1000,
                out ? localCaller : r.caller(),
                r.upstream(),
                r.startMillis(),
                r.flags(),
                includeHeaders ? r.headers().toArray(String[]::new) : NONE,
                r.grpcStatus());
    }
}
