package io.rhizome.mesh.node.security.tls;

import io.rhizome.mesh.node.config.TlsSettings;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.pki.Keys;
import io.rhizome.mesh.pki.Pem;
import io.rhizome.mesh.pki.PkiException;
import io.rhizome.mesh.pki.SpiffeId;
import io.rhizome.mesh.pki.SpiffeVerifier;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a node's TLS runs on at one moment: its certificate chain and key, its SPIFFE id, and the
 * verifier of peers built from the trust bundle. Loaded whole and checked whole, so that a reload
 * either swaps everything or nothing.
 *
 * @param issuer the intermediate CA the certificate was minted with (self-issuing mode), or null
 */
public record TlsMaterial(
        SpiffeId identity,
        List<X509Certificate> chain,
        PrivateKey key,
        SpiffeVerifier verifier,
        CertificateAuthority issuer) {

    public TlsMaterial {
        Objects.requireNonNull(identity, "identity");
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(verifier, "verifier");
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public Instant notBefore() {
        return certificate().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    public Duration lifetime() {
        return Duration.between(notBefore(), notAfter());
    }

    /**
     * Loads and checks the material {@code tls} names. {@code identityService} is {@code
     * rhizome.identity.service} ("" to take it from the certificate in file mode).
     *
     * @throws TlsMaterialException naming the key at fault, with a one-line reason
     */
    public static TlsMaterial load(TlsSettings tls, String identityService, Clock clock) {
        List<X509Certificate> bundle =
                pki("rhizome.tls.trust-bundle", () -> Pem.readCertificates(tls.trustBundle()));
        return tls.selfIssuing()
                ? mint(tls, identityService, bundle, clock)
                : fromFiles(tls, identityService, bundle, clock);
    }

    private static TlsMaterial fromFiles(
            TlsSettings tls, String identityService, List<X509Certificate> bundle, Clock clock) {
        List<X509Certificate> chain =
                pki("rhizome.tls.cert", () -> Pem.readCertificates(tls.cert()));
        SpiffeId id = pki("rhizome.tls.cert", () -> SpiffeId.of(chain.get(0)));
        if (id.service() == null) {
            throw new TlsMaterialException(
                    "rhizome.tls.cert",
                    quote(tls.cert())
                            + " names "
                            + id
                            + " (expected: spiffe://<trust-domain>/service/<name>)");
        }
        if (!identityService.isEmpty() && !identityService.equals(id.service())) {
            throw new TlsMaterialException(
                    "rhizome.identity.service",
                    quote(identityService)
                            + " but rhizome.tls.cert "
                            + quote(tls.cert())
                            + " names "
                            + id
                            + " (expected: the same service)");
        }
        PrivateKey key = pki("rhizome.tls.key", () -> Pem.readPrivateKey(tls.key()));
        if (!Keys.matches(key, chain.get(0).getPublicKey())) {
            throw new TlsMaterialException(
                    "rhizome.tls.key",
                    quote(tls.key()) + " is not the key of rhizome.tls.cert " + quote(tls.cert()));
        }
        SpiffeVerifier verifier =
                pki(
                        "rhizome.tls.trust-bundle",
                        () -> SpiffeVerifier.create(bundle, id.trustDomain(), clock));
        check("rhizome.tls.cert", verifier, chain);
        return new TlsMaterial(id, chain, key, verifier, null);
    }

    private static TlsMaterial mint(
            TlsSettings tls, String identityService, List<X509Certificate> bundle, Clock clock) {
        if (identityService.isEmpty()) {
            throw new TlsMaterialException(
                    "rhizome.identity.service",
                    "missing (expected: the service name this node's minted certificates name; required with rhizome.tls.issuer)");
        }
        Path dir = tls.issuer();
        CertificateAuthority issuer =
                pki(
                        "rhizome.tls.issuer",
                        () ->
                                CertificateAuthority.load(
                                        dir.resolve(CertificateAuthority.CERT),
                                        dir.resolve(CertificateAuthority.KEY),
                                        clock));
        Issued issued =
                pki(
                        "rhizome.tls.issuer",
                        () -> issuer.issueWorkload(identityService, tls.workloadTtl()));
        SpiffeId id = SpiffeId.forService(issuer.trustDomain(), identityService);
        SpiffeVerifier verifier =
                pki(
                        "rhizome.tls.trust-bundle",
                        () -> SpiffeVerifier.create(bundle, id.trustDomain(), clock));
        check("rhizome.tls.issuer", verifier, issued.chain());
        return new TlsMaterial(id, issued.chain(), issued.key(), verifier, issuer);
    }

    /**
     * Our own chain must pass the checks peers will apply (chain to the bundle, dates,
     * constraints).
     */
    private static void check(String key, SpiffeVerifier verifier, List<X509Certificate> chain) {
        try {
            verifier.verify(chain.toArray(X509Certificate[]::new));
        } catch (CertificateException e) {
            throw new TlsMaterialException(
                    key,
                    e.getMessage().replace("peer ", "")
                            + " (expected: a valid certificate chained to rhizome.tls.trust-bundle)");
        }
    }

    private static <T> T pki(String key, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (PkiException e) {
            throw new TlsMaterialException(key, e.getMessage());
        }
    }

    private static String quote(Object o) {
        return "\"" + o + "\"";
    }

    @Override
    public String toString() {
        return "TlsMaterial[" + identity + ", expires " + notAfter() + "]";
    }
}
