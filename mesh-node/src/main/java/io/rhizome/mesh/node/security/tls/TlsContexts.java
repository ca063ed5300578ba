package io.rhizome.mesh.node.security.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
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
record TlsContexts(
        TlsMaterial material,
        SslContext server,
        SslContext client,
        SslContext http2Client,
        SSLContext cluster) {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * The inbound port offers HTTP/2 and HTTP/1.1 by ALPN; a client that names neither gets
     * HTTP/1.1.
     */
    private static final ApplicationProtocolConfig SERVER_ALPN =
            new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2,
                    ApplicationProtocolNames.HTTP_1_1);

    /** A connection opened for HTTP/2 asks for h2 only. */
    private static final ApplicationProtocolConfig CLIENT_H2_ALPN =
            new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2);

    /**
     * {@code provider}: of the data plane's contexts; {@code clusterRefusals} hears of peers
     * refused on cluster connections.
     */
    static TlsContexts of(
            TlsMaterial m, SslProvider provider, SpiffeTrustManager.Refusals clusterRefusals) {
        return of(m, provider, clusterRefusals, java.util.List.of());
    }

    /**
     * @param clusterIdentities who may be a cluster peer ({@code rhizome.tls.cluster-identities});
     *     empty: the whole trust domain
     */
    static TlsContexts of(
            TlsMaterial m,
            SslProvider provider,
            SpiffeTrustManager.Refusals clusterRefusals,
            java.util.List<String> clusterIdentities) {
        SpiffeTrustManager trust = new SpiffeTrustManager(m.verifier());
        X509Certificate[] chain = m.chain().toArray(X509Certificate[]::new);
        try {
            SslContext server =
                    SslContextBuilder.forServer(m.key(), chain)
                            .sslProvider(provider)
                            .trustManager(trust)
                            .clientAuth(ClientAuth.REQUIRE)
                            .protocols(PROTOCOLS)
                            .applicationProtocolConfig(SERVER_ALPN)
                            .build();
            SslContext client = clientContext(m, provider, trust, chain).build();
            SslContext http2Client =
                    clientContext(m, provider, trust, chain)
                            .applicationProtocolConfig(CLIENT_H2_ALPN)
                            .build();
            return new TlsContexts(
                    m,
                    server,
                    client,
                    http2Client,
                    jdkContext(
                            m,
                            new SpiffeTrustManager(
                                    m.verifier(),
                                    clusterRefusals,
                                    clusterIdentities,
                                    "rhizome.tls.cluster-identities"),
                            chain));
        } catch (SSLException | GeneralSecurityException e) {
            throw new TlsMaterialException(
                    "rhizome.tls",
                    "cannot build a TLS context for "
                            + m.identity()
                            + " ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + ")");
        }
    }

    private static SslContextBuilder clientContext(
            TlsMaterial m,
            SslProvider provider,
            SpiffeTrustManager trust,
            X509Certificate[] chain) {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .keyManager(m.key(), chain)
                .trustManager(trust)
                // Peers are named by SPIFFE id, checked after the handshake, not by host name.
                .endpointIdentificationAlgorithm(null)
                .protocols(PROTOCOLS);
    }

    /**
     * A JDK context for the admin API's HTTPS (Pekko HTTP takes a JDK {@code SSLEngine}): the
     * node's certificate, and clients verified like peers; {@code refusals} hears of refused client
     * chains.
     */
    static SSLContext admin(TlsMaterial m, SpiffeTrustManager.Refusals refusals) {
        try {
            return jdkContext(
                    m,
                    new SpiffeTrustManager(m.verifier(), refusals),
                    m.chain().toArray(X509Certificate[]::new));
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(
                    "rhizome.admin.tls",
                    "cannot build a TLS context for "
                            + m.identity()
                            + " ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + ")");
        }
    }

    private static SSLContext jdkContext(TlsMaterial m, TrustManager trust, X509Certificate[] chain)
            throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                io.rhizome.mesh.pki.Keys.keyManagers(m.key(), java.util.List.of(chain)),
                new TrustManager[] {trust},
                new SecureRandom());
        return context;
    }
}
