package io.rhizome.mesh.node.security.tls;

import io.rhizome.mesh.pki.SpiffeId;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;
import scala.Option;

/**
 * Artery {@code tls-tcp} with the node's SPIFFE material: both sides present their certificate, and
 * a peer is accepted only if its chain leads to the trust bundle and its one URI SAN is in this
 * node's trust domain (any service: every node of the mesh may be a cluster member). Pekko's own
 * providers compare CN/DNS names and read keystores or RSA keys only (architecture.md §6). Engines
 * come from the current material, so a reload applies to new cluster connections.
 */
public final class ClusterSslEngineProvider implements SSLEngineProvider {
    private final MeshTls tls;

    private ClusterSslEngineProvider(MeshTls tls) {
        this.tls = tls;
    }

    /** The ActorSystem setup that makes Artery use this provider (with transport = tls-tcp). */
    public static SSLEngineProviderSetup setup(MeshTls tls) {
        return SSLEngineProviderSetup.create(system -> new ClusterSslEngineProvider(tls));
    }

    /** {@code setup} with this provider added when {@code tls} is enabled. */
    public static ActorSystemSetup withProvider(ActorSystemSetup setup, MeshTls tls) {
        return tls.enabled() ? setup.withSetup(setup(tls)) : setup;
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
        return tls.newClusterEngine(false, hostname, port);
    }

    @Override
    public SSLEngine createClientSSLEngine(String hostname, int port) {
        return tls.newClusterEngine(true, hostname, port);
    }

    @Override
    public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
        return verify(session);
    }

    @Override
    public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
        return verify(session);
    }

    /**
     * The trust manager checked the chain during the handshake; this makes sure a certificate was
     * presented at all.
     */
    private Option<Throwable> verify(SSLSession session) {
        try {
            SpiffeId peer = SpiffeId.of((X509Certificate) session.getPeerCertificates()[0]);
            if (!peer.trustDomain().equals(tls.identity().trustDomain())) {
                return Option.apply(
                        new SSLException(
                                "cluster peer "
                                        + peer
                                        + " is not of trust domain "
                                        + tls.identity().trustDomain()));
            }
            return Option.empty();
        } catch (SSLPeerUnverifiedException | RuntimeException e) {
            tls.stats().clusterFailed();
            return Option.apply(
                    new SSLException(
                            "cluster peer presented no usable certificate: " + e.getMessage()));
        }
    }
}
