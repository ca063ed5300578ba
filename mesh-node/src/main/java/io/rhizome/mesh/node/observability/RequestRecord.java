package io.rhizome.mesh.node.observability;

/**
 * One finished request as the data plane saw it, handed to every {@link RequestObserver} once the
 * response has ended (or failed). Strings are never null: unknown values are {@code ""}.
 *
 * <p>Exactly one record per request and direction: a request proxied from node A to node B is an
 * OUTBOUND record on A and an INBOUND record on B; a request that takes the local shortcut (the
 * endpoint is on the calling node) is both records on that node, each with the {@code local} flag.
 * Count one direction to count each request once. CONNECT tunnels are recorded when they open.
 *
 * @param direction which listener took the request
 * @param service the mesh service it was for; {@code ""} for egress and unknown services
 * @param route the matching Route's name, {@code ""} when no Route applied (inbound: the route the
 *     calling node named in {@code x-rhizome-route})
 * @param caller the caller's verified identity (SPIFFE id, inbound over mTLS), {@code ""} when
 *     unknown
 * @param method the request method
 * @param authority the host the caller named
 * @param path the normalised path, without the query
 * @param status the status sent to the caller (the mesh's own status for local errors); {@code 0}
 *     when the caller left before a response started
 * @param error the {@code x-rhizome-error} code when the mesh answered itself, else {@code ""}
 * @param startMillis wall-clock start, epoch milliseconds
 * @param durationNanos from the request head arriving to the response's last byte written
 * @param requestBytes request body bytes received from the caller
 * @param responseBytes response body bytes sent to the caller
 * @param upstream the endpoint that answered (host:port), {@code ""} when none did
 * @param traceId the W3C trace id (32 hex digits), {@code ""} until tracing exists
 * @param retries retries made for this request (budgeted retries; a refused connection's next
 *     endpoint and a stale pooled connection's replay are not retries)
 * @param spanId this hop's span id (16 hex digits; the {@code traceparent} it sent on), {@code ""}
 *     when none
 * @param parentSpanId the caller's span id from a valid incoming {@code traceparent}, {@code ""}
 *     for a new trace
 * @param sampled the trace is sampled (the {@code traceparent} flag): its spans are exported
 * @param flags what the mesh did, comma separated, names from {@link RequestFlags} ({@code
 *     retried}, {@code timeout}, {@code ejected}, {@code rate-limited}, {@code no-route}, {@code
 *     overflow}, {@code retry-budget-exhausted}, {@code client-abort}, {@code truncated}, {@code
 *     local}, {@code egress}, {@code tunnel}); test one with {@link RequestFlags#has}
 * @param subset the Route backend's label subset the request was sent to ({@code version=v2}, see
 *     {@code SubsetFilter.text()}), {@code ""} for the whole service and inbound
 * @param headers the request's headers as the caller sent them (name, value, name, value, ...;
 *     secrets redacted, see {@link RequestHeaders}), copied only while a tap with {@code
 *     include-headers} runs; otherwise empty
 * @param grpcStatus for a gRPC call, the {@code grpc-status} the caller got (0 OK .. 16), from the
 *     response's trailers or the mesh's own answer; {@code -1} when it was not a gRPC call or no
 *     status arrived (the call broke off)
 */
public record RequestRecord(
        Direction direction,
        String service,
        String route,
        String caller,
        String method,
        String authority,
        String path,
        int status,
        String error,
        long startMillis,
        long durationNanos,
        long requestBytes,
        long responseBytes,
        String upstream,
        String traceId,
        int retries,
        String flags,
        String spanId,
        String parentSpanId,
        boolean sampled,
        String subset,
        java.util.List<String> headers,
        int grpcStatus) {

    /** The record of a call that is not gRPC (or got no status). */
    public RequestRecord(
            Direction direction,
            String service,
            String route,
            String caller,
            String method,
            String authority,
            String path,
            int status,
            String error,
            long startMillis,
            long durationNanos,
            long requestBytes,
            long responseBytes,
            String upstream,
            String traceId,
            int retries,
            String flags,
            String spanId,
            String parentSpanId,
            boolean sampled,
            String subset,
            java.util.List<String> headers) {
        this(
                direction,
                service,
                route,
                caller,
                method,
                authority,
                path,
                status,
                error,
                startMillis,
                durationNanos,
                requestBytes,
                responseBytes,
                upstream,
                traceId,
                retries,
                flags,
                spanId,
                parentSpanId,
                sampled,
                subset,
                headers,
                -1);
    }

    /** Whether the caller saw a failure: no response, a 5xx, or a gRPC status other than OK. */
    public boolean failed() {
        return status >= 500 || status < 100 || grpcStatus > 0;
    }

    /** The record without headers. */
    public RequestRecord(
            Direction direction,
            String service,
            String route,
            String caller,
            String method,
            String authority,
            String path,
            int status,
            String error,
            long startMillis,
            long durationNanos,
            long requestBytes,
            long responseBytes,
            String upstream,
            String traceId,
            int retries,
            String flags,
            String spanId,
            String parentSpanId,
            boolean sampled,
            String subset) {
        this(
                direction,
                service,
                route,
                caller,
                method,
                authority,
                path,
                status,
                error,
                startMillis,
                durationNanos,
                requestBytes,
                responseBytes,
                upstream,
                traceId,
                retries,
                flags,
                spanId,
                parentSpanId,
                sampled,
                subset,
                java.util.List.of());
    }

    /** The record without a subset (the whole service). */
    public RequestRecord(
            Direction direction,
            String service,
            String route,
            String caller,
            String method,
            String authority,
            String path,
            int status,
            String error,
            long startMillis,
            long durationNanos,
            long requestBytes,
            long responseBytes,
            String upstream,
            String traceId,
            int retries,
            String flags,
            String spanId,
            String parentSpanId,
            boolean sampled) {
        this(
                direction,
                service,
                route,
                caller,
                method,
                authority,
                path,
                status,
                error,
                startMillis,
                durationNanos,
                requestBytes,
                responseBytes,
                upstream,
                traceId,
                retries,
                flags,
                spanId,
                parentSpanId,
                sampled,
                "");
    }

    /** The record without span fields (as before tracing): no span, not sampled. */
    public RequestRecord(
            Direction direction,
            String service,
            String route,
            String caller,
            String method,
            String authority,
            String path,
            int status,
            String error,
            long startMillis,
            long durationNanos,
            long requestBytes,
            long responseBytes,
            String upstream,
            String traceId,
            int retries,
            String flags) {
        this(
                direction,
                service,
                route,
                caller,
                method,
                authority,
                path,
                status,
                error,
                startMillis,
                durationNanos,
                requestBytes,
                responseBytes,
                upstream,
                traceId,
                retries,
                flags,
                "",
                "",
                false,
                "");
    }

    public enum Direction {
        INBOUND,
        OUTBOUND;

        public String label() {
            return this == INBOUND ? "inbound" : "outbound";
        }
    }
}
