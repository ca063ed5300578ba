package io.rhizome.mesh.node.proxy.netty;

/**
 * The exchange an upstream connection currently serves; all calls arrive on the connection's loop.
 */
interface UpstreamListener {
    void onUpstreamMessage(Object msg);

    /** The connection closed or failed before the exchange was done with it. */
    void onUpstreamClosed(Throwable cause);

    void onUpstreamWritabilityChanged(boolean writable);

    /**
     * The peer refused the HTTP/2 stream before processing it (RST_STREAM REFUSED_STREAM, or a
     * GOAWAY whose last stream id is below it, RFC 9113 §8.7): nothing of the request reached an
     * app.
     */
    default void onUpstreamRefused() {
        onUpstreamClosed(null);
    }
}
