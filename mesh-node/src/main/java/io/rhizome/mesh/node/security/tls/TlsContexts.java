package io.rhizome.mesh.node.security.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The TLS contexts built from one {@link TlsMaterial}: Netty's for the inbound port (server, client
 * certificate required) and for calls to peers (client), with the provider of {@link TlsProviders}
 * (OpenSSL or the JDK's), and a JDK one for cluster traffic (Artery takes a JDK {@code SSLEngine}).
 * All use TLS 1.3 and 1.2 and the SPIFFE trust manager.
 */
record TlsContexts(TlsMaterial material, SslContext server, SslContext client, SSLContext cluster) {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * {@code provider}: of the data plane's contexts; {@code clusterRefusals} hears of peers refused
     * on cluster connections.
     */
    static TlsContexts of(TlsMaterial m, SslProvider provider, SpiffeTrustManager.Refusals clusterRefusals) {
        return of(m, provider, clusterRefusals, java.util.List.of());
    }

    /** @param clusterIdentities who may be a cluster peer ({@code rhizome.tls.cluster-identities}); empty: the whole trust domain */
    static TlsContexts of(TlsMaterial m, SslProvider provider, SpiffeTrustManager.Refusals clusterRefusals,
            java.util.List<String> clusterIdentities) {
        SpiffeTrustManager trust = new SpiffeTrustManager(m.verifier());
        X509Certificate[] chain = m.chain().toArray(X509Certificate[]::new);
        try {
            SslContext server = SslContextBuilder.forServer(m.key(), chain)
                    .sslProvider(provider)
                    .trustManager(trust)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOLS)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .sslProvider(provider)
                    .keyManager(m.key(), chain)
                    .trustManager(trust)
                    // Peers are named by SPIFFE id, checked after the handshake, not by host name.
                    .endpointIdentificationAlgorithm(null)
                    .protocols(PROTOCOLS)
                    .build();
            return new TlsContexts(m, server, client, jdkContext(m, new SpiffeTrustManager(m.verifier(), clusterRefusals,
                    clusterIdentities, "rhizome.tls.cluster-identities"), chain));
        } catch (SSLException | GeneralSecurityException e) {
            throw new TlsMaterialException("rhizome.tls", "cannot build a TLS context for " + m.identity() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    /**
     * A JDK context for the admin API's HTTPS (Pekko HTTP takes a JDK {@code SSLEngine}): the node's
     * certificate, and clients verified like peers; {@code refusals} hears of refused client chains.
     */
    static SSLContext admin(TlsMaterial m, SpiffeTrustManager.Refusals refusals) {
        try {
            return jdkContext(m, new SpiffeTrustManager(m.verifier(), refusals), m.chain().toArray(X509Certificate[]::new));
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("rhizome.admin.tls", "cannot build a TLS context for " + m.identity() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static SSLContext jdkContext(TlsMaterial m, TrustManager trust, X509Certificate[] chain)
            throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(io.rhizome.mesh.pki.Keys.keyManagers(m.key(), java.util.List.of(chain)), new TrustManager[] {trust},
                new SecureRandom());
        return context;
    }
}
