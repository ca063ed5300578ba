package io.rhizome.mesh.node.resilience.circuitbreaker;

/**
 * One circuit-breaker limit of one destination service on this node, as of now (for {@code
 * /metrics}).
 *
 * @param service the destination service
 * @param limit {@code requests} ({@code max-requests}), {@code connections} ({@code
 *     max-connections}) or {@code pending} ({@code max-pending})
 * @param max the limit (always positive: unlimited ones are not listed)
 * @param inUse requests in flight, connections open, or requests waiting for a connection
 */
public record CircuitBreakerState(String service, String limit, int max, int inUse) {

    /**
     * The limit is reached: the next request (or connection) is refused or made to wait (Envoy's
     * {@code *_open}).
     */
    public boolean open() {
        return inUse >= max;
    }
}
