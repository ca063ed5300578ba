package io.rhizome.mesh.node.observability;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;

/**
 * Gathers the facts of the request a connection is serving and turns them into one {@link
 * RequestRecord} when it ends. One per connection, reused request after request (a connection
 * serves one request at a time), so the request path allocates only the record itself, and nothing
 * at all while no observer is registered ({@link #observing()} is false). Not thread-safe: used on
 * its connection's event loop only.
 */
public final class RequestRecordBuilder {
    private boolean observing;
    private Direction direction;
    private long startNanos;
    private long startMillis;
    private String service;
    private String route;
    private String subset;
    private String caller;
    private String method;
    private String authority;
    private String uri;
    private int status;
    private String error;
    private long requestBytes;
    private long responseBytes;
    private HostPort upstream;

    /** The text of the last upstream seen: a connection's requests mostly go to the same few. */
    private HostPort lastUpstream;

    private String lastUpstreamText = "";
    private String traceId;
    private String traceParent;
    private String parentSpanId;
    private int retries;
    private int flags;
    private int grpcStatus;
    private java.util.List<String> headers;

    /**
     * A request head arrived: forget the previous request. {@code observing}: whether anyone will
     * see the record; when false, {@link #emit} does nothing.
     */
    public void start(boolean observing, Direction direction, long startNanos) {
        this.observing = observing;
        this.direction = direction;
        this.startNanos = startNanos;
        this.startMillis = observing ? System.currentTimeMillis() : 0;
        service = "";
        route = "";
        subset = "";
        caller = "";
        method = "";
        authority = "";
        uri = "";
        status = 0;
        grpcStatus = -1;
        error = "";
        requestBytes = 0;
        responseBytes = 0;
        upstream = null;
        traceId = "";
        traceParent = null;
        parentSpanId = "";
        retries = 0;
        flags = 0;
        headers = java.util.List.of();
    }

    /** Whether a record will be emitted for the current request (someone is observing). */
    public boolean observing() {
        return observing;
    }

    public void request(String method, String authority, String uri) {
        this.method = orEmpty(method);
        this.authority = orEmpty(authority);
        this.uri = orEmpty(uri);
    }

    public void service(String service) {
        this.service = orEmpty(service);
    }

    public void route(String route) {
        this.route = orEmpty(route);
    }

    /**
     * The backend subset the current try was sent to ({@code SubsetFilter.text()}); the last try
     * decides.
     */
    public void subset(String subset) {
        this.subset = orEmpty(subset);
    }

    /** The request's headers for taps that show them ({@link RequestHeaders#capture}). */
    public void headers(java.util.List<String> headers) {
        this.headers = headers;
    }

    public void caller(String caller) {
        this.caller = orEmpty(caller);
    }

    public void status(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The gRPC call's {@code grpc-status}; see {@link RequestRecord#grpcStatus()}. */
    public void grpcStatus(int grpcStatus) {
        this.grpcStatus = grpcStatus;
    }

    public void error(String error) {
        this.error = orEmpty(error);
    }

    public void addRequestBytes(long n) {
        requestBytes += n;
    }

    public void addResponseBytes(long n) {
        responseBytes += n;
    }

    public void upstream(HostPort upstream) {
        this.upstream = upstream;
    }

    public void traceId(String traceId) {
        this.traceId = orEmpty(traceId);
    }

    /**
     * The {@code traceparent} this hop sent on; the record's trace id is read from it when built.
     */
    public void traceParent(String traceParent, String parentSpanId) {
        this.traceParent = traceParent;
        this.parentSpanId = orEmpty(parentSpanId);
    }

    public void retries(int retries) {
        this.retries = retries;
    }

    public void flag(int flag) {
        flags |= flag;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Whether the current try's endpoint is on this node (the local shortcut); the last try
     * decides.
     */
    public void local(boolean local) {
        flags = local ? flags | RequestFlags.LOCAL : flags & ~RequestFlags.LOCAL;
    }

    /**
     * The request ended now: hands its record to {@code observer}, once (later calls do nothing). A
     * request that took the local shortcut, which skips this node's inbound port but not its
     * inbound policy and figures, is handed over twice: as the outbound side saw it, then as the
     * instance's inbound side would have recorded it.
     */
    public void emit(RequestObserver observer, long endNanos) {
        if (!observing) {
            return;
        }
        observing = false;
        if ((flags & RequestFlags.LOCAL) != 0 && direction == Direction.OUTBOUND) {
            observer.onRequest(build(Direction.OUTBOUND, endNanos));
            observer.onRequest(build(Direction.INBOUND, endNanos));
        } else {
            observer.onRequest(build(direction, endNanos));
        }
    }

    private RequestRecord build(Direction d, long endNanos) {
        boolean traced = traceParent != null && traceParent.length() == 55;
        return new RequestRecord(
                d,
                service,
                route,
                caller,
                method,
                authority,
                pathOf(uri),
                status,
                error,
                startMillis,
                Math.max(0, endNanos - startNanos),
                requestBytes,
                responseBytes,
                upstreamText(),
                traced ? traceParent.substring(3, 35) : traceId,
                retries,
                RequestFlags.text(flags),
                traced ? traceParent.substring(36, 52) : "",
                parentSpanId,
                traced && traceParent.charAt(54) == '1',
                d == direction ? subset : "",
                headers,
                grpcStatus);
    }

    private String upstreamText() {
        if (upstream == null) {
            return "";
        }
        if (!upstream.equals(lastUpstream)) {
            lastUpstream = upstream;
            lastUpstreamText = upstream.toString();
        }
        return lastUpstreamText;
    }

    /** The path without its query; an absolute-form target keeps only its path. */
    static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
