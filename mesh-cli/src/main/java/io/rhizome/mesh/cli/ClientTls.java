package io.rhizome.mesh.cli;

import io.rhizome.mesh.pki.IdentityPattern;
import io.rhizome.mesh.pki.Keys;
import io.rhizome.mesh.pki.Pem;
import io.rhizome.mesh.pki.PkiException;
import io.rhizome.mesh.pki.SpiffeId;
import io.rhizome.mesh.pki.SpiffeVerifier;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What {@code meshctl} needs to talk HTTPS to a node whose admin API has {@code rhizome.admin.tls}
 * on: the trust bundle the node's certificate must chain to ({@code --tls-ca}), and optionally a
 * client certificate and key ({@code --tls-cert}, {@code --tls-key}) to prove who is asking.
 *
 * <p>The node is recognised by its SPIFFE id in the bundle's trust domain, not by host name: mesh
 * certificates name workloads, not DNS names (the same rule as between sidecars).
 */
final class ClientTls {

    private ClientTls() {}

    /**
     * An SSL context for these files.
     *
     * @param cert may be null (then {@code key} must be null too): the client presents no
     *     certificate
     * @param nodeIdentities SPIFFE ids (exact, or {@code *} within the last segment) the node's
     *     certificate may have; empty: any identity of the trust domain
     * @throws MeshctlException (usage) naming the option whose file is missing or unusable
     */
    static SSLContext context(Path ca, Path cert, Path key, List<String> nodeIdentities) {
        if ((cert == null) != (key == null)) {
            throw MeshctlException.usage(
                    cert == null
                            ? "--tls-cert: missing while --tls-key is set (expected: the certificate (PEM) of that key, or $MESH_CERT)"
                            : "--tls-key: missing while --tls-cert is set (expected: the certificate's private key (PEM), or $MESH_KEY)");
        }
        List<X509Certificate> bundle = read("--tls-ca", () -> Pem.readCertificates(ca));
        KeyManager[] keys = null;
        String trustDomain;
        if (cert != null) {
            List<X509Certificate> chain = read("--tls-cert", () -> Pem.readCertificates(cert));
            PrivateKey privateKey = read("--tls-key", () -> Pem.readPrivateKey(key));
            if (!Keys.matches(privateKey, chain.get(0).getPublicKey())) {
                throw MeshctlException.usage(
                        "--tls-key: \""
                                + key
                                + "\" is not the key of the certificate in \""
                                + cert
                                + "\"");
            }
            trustDomain = read("--tls-cert", () -> SpiffeId.of(chain.get(0))).trustDomain();
            keys = keyManagers(chain, privateKey);
        } else {
            trustDomain = read("--tls-ca", () -> SpiffeId.of(bundle.get(0))).trustDomain();
        }
        SpiffeVerifier verifier =
                read(
                        "--tls-ca",
                        () -> SpiffeVerifier.create(bundle, trustDomain, Clock.systemUTC()));
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {new NodeTrust(verifier, nodeIdentities)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw MeshctlException.usage("--tls-ca: cannot set up TLS (" + e.getMessage() + ")");
        }
    }

    private static KeyManager[] keyManagers(List<X509Certificate> chain, PrivateKey key) {
        try {
            return Keys.keyManagers(key, chain);
        } catch (GeneralSecurityException e) {
            throw MeshctlException.usage(
                    "--tls-key: cannot use this key (" + e.getClass().getSimpleName() + ")");
        }
    }

    private interface Read<T> {
        T get();
    }

    private static <T> T read(String option, Read<T> read) {
        try {
            return read.get();
        } catch (PkiException e) {
            throw MeshctlException.usage(option + ": " + e.getMessage());
        }
    }

    /**
     * Trusts a node whose chain passes the verifier: to the bundle, one SPIFFE id in the trust
     * domain, not expired. Being an {@code X509ExtendedTrustManager} that checks no host name, it
     * also keeps the JDK from matching the URL's host against the certificate.
     */
    private static final class NodeTrust extends X509ExtendedTrustManager {
        private final SpiffeVerifier verifier;
        private final List<IdentityPattern> identities;

        NodeTrust(SpiffeVerifier verifier, List<String> identities) {
            this.verifier = verifier;
            this.identities = identities.stream().map(IdentityPattern::new).toList();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            verify(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            verify(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            verify(chain);
        }

        private void verify(X509Certificate[] chain) throws CertificateException {
            SpiffeId id;
            try {
                id = verifier.verify(chain);
            } catch (CertificateException e) {
                // No cause: meshctl prints the deepest message of a failure, and this one says what
                // happened.
                throw new CertificateException(
                        "the node's certificate is not trusted: " + e.getMessage());
            }
            if (!identities.isEmpty()
                    && identities.stream().noneMatch(p -> p.matches(id.toString()))) {
                throw new CertificateException(
                        "the node presented "
                                + id
                                + " (expected: "
                                + String.join(
                                        " or ",
                                        identities.stream().map(IdentityPattern::pattern).toList())
                                + ", from --tls-node-identity or $MESH_NODE_IDENTITY)");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            throw new CertificateException("meshctl is a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("meshctl is a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("meshctl is a client only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
