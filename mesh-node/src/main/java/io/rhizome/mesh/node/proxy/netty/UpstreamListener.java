package io.rhizome.mesh.node.proxy.netty;

/** The exchange an upstream connection currently serves; all calls arrive on the connection's loop. */
interface UpstreamListener {
    void onUpstreamMessage(Object msg);

    /** The connection closed or failed before the exchange was done with it. */
    void onUpstreamClosed(Throwable cause);

    void onUpstreamWritabilityChanged(boolean writable);
}
