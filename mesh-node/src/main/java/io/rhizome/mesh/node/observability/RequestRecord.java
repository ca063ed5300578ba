package io.rhizome.mesh.node.observability;

/**
 * One finished request as the data plane saw it, handed to every {@link RequestObserver} once the
 * response has ended (or failed). Strings are never null: unknown values are {@code ""}.
 *
 * @param direction   which listener took the request
 * @param service     the mesh service it was for; {@code ""} for egress and unknown services
 * @param route       the matching Route's name, {@code ""} when no Route applied
 * @param caller      the caller's verified identity (SPIFFE id), {@code ""} when unknown
 * @param method      the request method
 * @param authority   the host the caller named
 * @param path        the normalised path, without the query
 * @param status      the status sent to the caller (the mesh's own status for local errors)
 * @param error       the {@code x-rhizome-error} code when the mesh answered itself, else {@code ""}
 * @param startMillis wall-clock start, epoch milliseconds
 * @param durationNanos from the request head arriving to the response's last byte written
 * @param requestBytes  request body bytes received from the caller
 * @param responseBytes response body bytes sent to the caller
 * @param upstream    the endpoint that answered (host:port), {@code ""} when none did
 * @param traceId     the W3C trace id (32 hex digits), {@code ""} until tracing exists
 * @param retries     retries made for this request
 * @param flags       what the mesh did, comma separated ({@code retried}, {@code timeout}, ...)
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
        String flags) {

    public enum Direction {
        INBOUND,
        OUTBOUND;

        public String label() {
            return this == INBOUND ? "inbound" : "outbound";
        }
    }
}
