package io.rhizome.mesh.node.loadbalancing;

/**
 * One request in flight to an endpoint, from {@link EndpointStats#start(String)}. The caller must
 * complete it exactly once, whatever happens to the request, or the endpoint looks busy forever;
 * later completions are ignored.
 */
public interface Outstanding {

    /** The response came; its latency is measured from the start with the stats' clock. */
    void success();

    /** The response came after {@code latencyNanos} (measured by the caller). */
    void success(long latencyNanos);

    /**
     * The request failed (connect failure, reset, 5xx, timeout): counts as a latency of the stats'
     * failure penalty, or the time it took when that is longer.
     */
    void failure();

    /** The outcome says nothing about the endpoint (the client went away): no sample, only done. */
    void ignore();
}
