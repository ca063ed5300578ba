package io.rhizome.mesh.node.security.tls;

import io.netty.handler.ssl.NotSslRecordException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a failed handshake at most once a minute per peer, so that a scanner cannot flood the log.
 */
final class HandshakeLog {
    private static final Logger log = LoggerFactory.getLogger(HandshakeLog.class);
    private static final long INTERVAL_NANOS = 60_000_000_000L;
    private static final int MAX_PEERS = 1024;
    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();

    void failed(String where, String peer, Throwable cause) {
        long now = System.nanoTime();
        Long last = lastLogged.get(peer);
        if (last != null && now - last < INTERVAL_NANOS) {
            return;
        }
        if (lastLogged.size() >= MAX_PEERS) {
            lastLogged.clear();
        }
        lastLogged.put(peer, now);
        log.warn(
                "TLS handshake {} {} failed: {} (logged once a minute per peer)",
                where,
                peer,
                reason(cause));
    }

    /**
     * The innermost message: the verifier's reason rather than the SSLHandshakeException wrapping
     * it.
     */
    static String reason(Throwable cause) {
        Throwable t = cause;
        // Down to the verifier's CertificateException (it names the peer), not past it.
        while (!(t instanceof java.security.cert.CertificateException)
                && t.getCause() != null
                && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof NotSslRecordException) {
            return "not a TLS record (plaintext?)"; // Netty's message would hex-dump what the peer
            // sent
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
