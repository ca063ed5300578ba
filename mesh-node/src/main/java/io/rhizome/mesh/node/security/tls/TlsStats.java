package io.rhizome.mesh.node.security.tls;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the node's TLS, for metrics and {@code /v1/tls}. Lock-free. */
public final class TlsStats {
    private final LongAdder inboundHandshakeFailures = new LongAdder();
    private final LongAdder upstreamHandshakeFailures = new LongAdder();
    private final LongAdder clusterHandshakeFailures = new LongAdder();
    private final LongAdder adminHandshakeFailures = new LongAdder();
    private final LongAdder reloads = new LongAdder();
    private final LongAdder reloadFailures = new LongAdder();

    /**
     * Handshakes refused or failed on the inbound port (plain HTTP, no or a bad client
     * certificate).
     */
    public long inboundHandshakeFailures() {
        return inboundHandshakeFailures.sum();
    }

    /**
     * Handshakes to peers' inbound ports that failed, or whose peer was not the expected identity.
     */
    public long upstreamHandshakeFailures() {
        return upstreamHandshakeFailures.sum();
    }

    /** Cluster (Artery) connections whose peer certificate was refused. */
    public long clusterHandshakeFailures() {
        return clusterHandshakeFailures.sum();
    }

    /** Admin API (HTTPS) clients whose certificate was refused. */
    public long adminHandshakeFailures() {
        return adminHandshakeFailures.sum();
    }

    /** All failed handshakes. */
    public long handshakeFailures() {
        return inboundHandshakeFailures()
                + upstreamHandshakeFailures()
                + clusterHandshakeFailures()
                + adminHandshakeFailures();
    }

    /** New material loaded (changed files or a renewal). */
    public long reloads() {
        return reloads.sum();
    }

    /** Changed files that did not load (the previous material stayed). */
    public long reloadFailures() {
        return reloadFailures.sum();
    }

    void inboundFailed() {
        inboundHandshakeFailures.increment();
    }

    void upstreamFailed() {
        upstreamHandshakeFailures.increment();
    }

    void clusterFailed() {
        clusterHandshakeFailures.increment();
    }

    void adminFailed() {
        adminHandshakeFailures.increment();
    }

    void reloaded() {
        reloads.increment();
    }

    void reloadFailed() {
        reloadFailures.increment();
    }
}
