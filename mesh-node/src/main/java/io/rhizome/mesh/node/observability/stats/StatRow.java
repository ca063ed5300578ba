package io.rhizome.mesh.node.observability.stats;

/**
 * One node's figures for one key over a window; also the wire form (Kryo) of a peer's answer.
 *
 * @param kind {@code service} (all requests to it), {@code route} (those a Route matched), {@code
 *     edge} (those from one caller) or {@code tcp} (connections carried as bytes: TCP services',
 *     WebSockets', CONNECT tunnels'; requests are connections, failures those that could not be
 *     carried, latency their durations)
 * @param direction {@code outbound} (as callers' nodes saw them) or {@code inbound}
 * @param route the Route's name for {@code route} rows, else {@code ""}
 * @param caller the caller for {@code edge} rows, else {@code ""}
 * @param callerKind {@code service} (an identity) or {@code node} (a node without one), edges only
 * @param failures 5xx answers (the mesh's own 502/503/504 included) and requests that got no status
 * @param refused 4xx answers the mesh gave itself (rate-limited, denied, no-route, ...): counted as
 *     successes, reported apart
 * @param bytes bytes both ways of the connections of a {@code tcp} row; 0 for requests
 * @param latency counts per {@link LatencyHistogram} bucket
 */
public record StatRow(
        String kind,
        String direction,
        String service,
        String route,
        String caller,
        String callerKind,
        long requests,
        long failures,
        long refused,
        long bytes,
        long[] latency) {

    public static final String SERVICE = "service";
    public static final String ROUTE = "route";
    public static final String EDGE = "edge";
    public static final String TCP = "tcp";

    /** What rows are merged by across nodes. */
    public String key() {
        return kind + '\u0000' + direction + '\u0000' + service + '\u0000' + route + '\u0000'
                + caller;
    }

    public long successes() {
        return requests - failures;
    }
}
