package io.rhizome.mesh.pki;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies a peer's certificate chain the SPIFFE way: the chain leads to a CA of the trust bundle
 * (PKIX: signatures, validity dates, CA constraints, name constraints), the leaf names exactly one
 * URI SAN, a SPIFFE id, and that id is in this verifier's trust domain. Immutable; build a new one
 * when the bundle changes.
 */
public final class SpiffeVerifier {
    private final List<X509Certificate> bundle;
    private final Set<TrustAnchor> anchors;
    private final String trustDomain;
    private final Clock clock;

    private SpiffeVerifier(List<X509Certificate> bundle, String trustDomain, Clock clock) {
        this.bundle = List.copyOf(bundle);
        this.trustDomain = SpiffeId.checkTrustDomain(trustDomain, "trust domain");
        this.clock = Objects.requireNonNull(clock, "clock");
        Set<TrustAnchor> set = new HashSet<>();
        for (X509Certificate c : bundle) {
            set.add(new TrustAnchor(c, null));
        }
        if (set.isEmpty()) {
            throw new PkiException("trust bundle: empty (expected: at least one CA certificate)");
        }
        this.anchors = Set.copyOf(set);
    }

    public static SpiffeVerifier create(
            List<X509Certificate> bundle, String trustDomain, Clock clock) {
        return new SpiffeVerifier(bundle, trustDomain, clock);
    }

    public String trustDomain() {
        return trustDomain;
    }

    public List<X509Certificate> bundle() {
        return bundle;
    }

    /**
     * The verified SPIFFE id of the peer presenting {@code chain} (its certificate first).
     *
     * @throws CertificateException saying why the chain is refused, in one line
     */
    public SpiffeId verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        X509Certificate leaf = chain[0];
        SpiffeId id;
        try {
            id = SpiffeId.of(leaf);
        } catch (PkiException e) {
            throw new CertificateException(e.getMessage());
        }
        if (!id.trustDomain().equals(trustDomain)) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " is of trust domain \""
                            + id.trustDomain()
                            + "\" (expected: \""
                            + trustDomain
                            + "\")");
        }
        if (leaf.getBasicConstraints() >= 0) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " presents a CA certificate (expected: an end-entity certificate)");
        }
        Instant now = clock.instant();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new CertificateException(
                    "peer " + id + " certificate expired at " + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " certificate is not valid before "
                            + leaf.getNotBefore().toInstant());
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            // The path excludes the anchors: a peer may send the root too.
            List<X509Certificate> path = new java.util.ArrayList<>();
            for (X509Certificate c : chain) {
                if (!bundle.contains(c)) {
                    path.add(c);
                }
            }
            CertPath certPath = factory.generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " certificate does not chain to the trust bundle ("
                            + oneLine(e.getMessage())
                            + ")",
                    e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException(
                    "peer "
                            + id
                            + " certificate cannot be checked ("
                            + oneLine(e.getMessage())
                            + ")",
                    e);
        }
        return id;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
