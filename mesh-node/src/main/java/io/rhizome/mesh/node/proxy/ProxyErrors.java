package io.rhizome.mesh.node.proxy;

/**
 * What the mesh itself answers when it cannot (or may not) forward a request. Each carries the
 * {@code x-rhizome-error} reason and the HTTP status users see.
 */
public enum ProxyErrors {
    BAD_REQUEST(400, "bad-request", 13),
    URI_TOO_LONG(414, "uri-too-long", 13),
    HEADERS_TOO_LARGE(431, "headers-too-large", 13),
    UNKNOWN_SERVICE(404, "unknown-service", 12),
    NO_ROUTE(404, "no-route", 12),
    NO_BACKEND(500, "no-backend", 14),
    TIMEOUT(504, "timeout", 4),
    EGRESS_DENIED(403, "egress-denied", 7),
    /**
     * An Authorization of the local service (or the mesh-wide default deny) refused the request;
     * nothing was sent upstream.
     */
    FORBIDDEN(403, "forbidden", 7),
    LOOP(508, "loop-detected", 13),
    NO_HEALTHY_ENDPOINT(503, "no-healthy-endpoint", 14),
    /**
     * The destination's circuit breaker is full ({@code max-requests}); nothing was sent upstream.
     */
    OVERFLOW(503, "overflow", 14),
    /**
     * A RateLimit of the local service has no token left; nothing was sent upstream. Comes with
     * {@code Retry-After}.
     */
    RATE_LIMITED(429, "rate-limited", 8),
    UPSTREAM_CONNECT_FAILURE(502, "upstream-connect-failure", 14),
    UPSTREAM_RESET(502, "upstream-reset", 14);

    public static final String HEADER = "x-rhizome-error";

    private final int status;
    private final String reason;
    private final int grpcStatus;

    ProxyErrors(int status, String reason, int grpcStatus) {
        this.status = status;
        this.reason = reason;
        this.grpcStatus = grpcStatus;
    }

    /**
     * The error a peer's data plane answered with ({@code status} with its {@code x-rhizome-error}
     * {@code reason}), or null when the answer is not one of the mesh's own.
     */
    public static ProxyErrors of(int status, String reason) {
        if (reason == null) {
            return null;
        }
        for (ProxyErrors e : values()) {
            if (e.status == status && e.reason.equals(reason)) {
                return e;
            }
        }
        return null;
    }

    /**
     * The error a peer's data plane answered, also when it answered a gRPC call (HTTP 200, the
     * reason beside a {@code grpc-status}), or null when the answer is not one of the mesh's own.
     */
    public static ProxyErrors ofPeer(int status, String reason) {
        if (reason == null) {
            return null;
        }
        for (ProxyErrors e : values()) {
            if ((e.status == status || status == 200) && e.reason.equals(reason)) {
                return e;
            }
        }
        return null;
    }

    /**
     * The gRPC status code a gRPC caller gets for this error: UNIMPLEMENTED (12) for a service or
     * route that does not exist, UNAVAILABLE (14) when no instance could take the call,
     * RESOURCE_EXHAUSTED (8) when rate-limited, PERMISSION_DENIED (7) when refused,
     * DEADLINE_EXCEEDED (4) on timeout, INTERNAL (13) for a malformed request.
     */
    public int grpcStatus() {
        return grpcStatus;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
