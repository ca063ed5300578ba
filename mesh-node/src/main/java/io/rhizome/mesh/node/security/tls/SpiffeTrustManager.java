package io.rhizome.mesh.node.security.tls;

import io.rhizome.mesh.pki.SpiffeVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer, client or server, whose chain passes the {@link SpiffeVerifier}: chained to the
 * trust bundle, exactly one URI SAN, in this node's trust domain, not expired. No host name check:
 * peers are named by SPIFFE id, not by DNS (the expected id is checked after the handshake).
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    /**
     * Told of every refused chain (cluster connections, whose handshakes Netty does not report to
     * us).
     */
    interface Refusals {
        Refusals NONE = (engine, e) -> {};

        void refused(SSLEngine engine, CertificateException e);
    }

    private final SpiffeVerifier verifier;
    private final Refusals refusals;

    /** Who may be on the other end, beyond being of the trust domain; empty: anyone of it. */
    private final java.util.List<io.rhizome.mesh.pki.IdentityPattern> allowed;

    private final String allowedKey;

    SpiffeTrustManager(SpiffeVerifier verifier) {
        this(verifier, Refusals.NONE);
    }

    SpiffeTrustManager(SpiffeVerifier verifier, Refusals refusals) {
        this(verifier, refusals, java.util.List.of(), "");
    }

    /**
     * @param allowedKey the configuration key of {@code allowed}, for refusals' messages
     */
    SpiffeTrustManager(
            SpiffeVerifier verifier,
            Refusals refusals,
            java.util.List<String> allowed,
            String allowedKey) {
        this.verifier = verifier;
        this.refusals = refusals;
        this.allowed = allowed.stream().map(io.rhizome.mesh.pki.IdentityPattern::new).toList();
        this.allowedKey = allowedKey;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        io.rhizome.mesh.pki.SpiffeId id = verifier.verify(chain);
        if (!allowed.isEmpty() && allowed.stream().noneMatch(p -> p.matches(id.toString()))) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " is not allowed here (expected: an identity in "
                            + allowedKey
                            + ")");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, engine);
    }

    private void verify(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        try {
            check(chain);
        } catch (CertificateException e) {
            refusals.refused(engine, e);
            throw e;
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, engine);
    }

    /**
     * None advertised: a client then offers its certificate whatever CA the server names, and the
     * server's verifier decides (during a CA rotation the bundle holds both CAs anyway).
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }
}
