package io.rhizome.mesh.node.proxy;

/**
 * What the mesh itself answers when it cannot (or may not) forward a request. Each carries the
 * {@code x-rhizome-error} reason and the HTTP status users see.
 */
public enum ProxyErrors {
    BAD_REQUEST(400, "bad-request"),
    URI_TOO_LONG(414, "uri-too-long"),
    HEADERS_TOO_LARGE(431, "headers-too-large"),
    UNKNOWN_SERVICE(404, "unknown-service"),
    NO_ROUTE(404, "no-route"),
    NO_BACKEND(500, "no-backend"),
    TIMEOUT(504, "timeout"),
    EGRESS_DENIED(403, "egress-denied"),
    /** An Authorization of the local service (or the mesh-wide default deny) refused the request; nothing was sent upstream. */
    FORBIDDEN(403, "forbidden"),
    LOOP(508, "loop-detected"),
    NO_HEALTHY_ENDPOINT(503, "no-healthy-endpoint"),
    /** The destination's circuit breaker is full ({@code max-requests}); nothing was sent upstream. */
    OVERFLOW(503, "overflow"),
    /** A RateLimit of the local service has no token left; nothing was sent upstream. Comes with {@code Retry-After}. */
    RATE_LIMITED(429, "rate-limited"),
    UPSTREAM_CONNECT_FAILURE(502, "upstream-connect-failure"),
    UPSTREAM_RESET(502, "upstream-reset");

    public static final String HEADER = "x-rhizome-error";

    private final int status;
    private final String reason;

    ProxyErrors(int status, String reason) {
        this.status = status;
        this.reason = reason;
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

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
