package io.rhizome.mesh.pki;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of one trust domain that mints SPIFFE certificates: the root written by
 * {@code meshctl ca init}, or an intermediate (from {@code meshctl ca issue --intermediate}) with
 * which a node mints its own workload certificates.
 *
 * <p>Keys are EC P-256 and signatures ECDSA with SHA-256 (an RSA CA key signs with SHA256withRSA).
 * Workload certificates carry exactly one URI SAN, {@code spiffe://<trust-domain>/service/<name>},
 * and may be used by TLS servers and clients. Intermediates are limited to issuing end-entity
 * certificates (path length 0) whose URIs lie in the trust domain (a name constraint).
 */
public final class CertificateAuthority {
    /** {@code ca.pem} and {@code ca-key.pem}: the root that {@code meshctl ca init} writes. */
    public static final String CA_CERT = "ca.pem";

    public static final String CA_KEY = "ca-key.pem";

    /** {@code cert.pem} and {@code key.pem}: what {@code meshctl ca issue} writes. */
    public static final String CERT = "cert.pem";

    public static final String KEY = "key.pem";

    /**
     * Issued certificates start this much in the past, so that a peer whose clock lags accepts
     * them.
     */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Issued signer;
    private final String trustDomain;
    private final Clock clock;

    private CertificateAuthority(Issued signer, String trustDomain, Clock clock) {
        this.signer = signer;
        this.trustDomain = trustDomain;
        this.clock = clock;
    }

    /** A new self-signed root for {@code trustDomain}, valid for {@code ttl}. */
    public static CertificateAuthority createRoot(String trustDomain, Duration ttl, Clock clock) {
        SpiffeId.checkTrustDomain(trustDomain, "trust domain");
        KeyPair pair = newKeyPair();
        Instant now = clock.instant();
        X500Name name = name("Rhizome CA", trustDomain);
        X509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(
                        name,
                        serial(),
                        Date.from(now.minus(BACKDATE)),
                        Date.from(now.plus(ttl)),
                        name,
                        pair.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(Extension.subjectAlternativeName, false, uri("spiffe://" + trustDomain));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("cannot build a CA certificate", e);
        }
        X509Certificate cert = sign(b, pair.getPrivate());
        return new CertificateAuthority(
                new Issued(List.of(cert), pair.getPrivate()), trustDomain, clock);
    }

    /** The root in {@code dir} ({@code ca.pem}, {@code ca-key.pem}). */
    public static CertificateAuthority loadRoot(Path dir, Clock clock) {
        return load(dir.resolve(CA_CERT), dir.resolve(CA_KEY), clock);
    }

    /** The CA whose certificate (first, then its chain) and key are in these files. */
    public static CertificateAuthority load(Path certFile, Path keyFile, Clock clock) {
        List<X509Certificate> chain = Pem.readCertificates(certFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        X509Certificate cert = chain.get(0);
        if (cert.getBasicConstraints() < 0) {
            throw new PkiException(
                    "\""
                            + certFile
                            + "\" is not a CA certificate (expected: basicConstraints CA:true)");
        }
        if (!Keys.matches(key, cert.getPublicKey())) {
            throw new PkiException(
                    "\""
                            + keyFile
                            + "\" is not the key of the certificate in \""
                            + certFile
                            + "\"");
        }
        SpiffeId id;
        try {
            id = SpiffeId.of(cert);
        } catch (PkiException e) {
            throw new PkiException(
                    "\""
                            + certFile
                            + "\" does not name its trust domain (expected: one URI SAN spiffe://<trust-domain>)");
        }
        return new CertificateAuthority(new Issued(chain, key), id.trustDomain(), clock);
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** This CA's certificate and key. */
    public Issued signer() {
        return signer;
    }

    public X509Certificate certificate() {
        return signer.certificate();
    }

    /**
     * A workload certificate for {@code service}, valid for {@code ttl} (never beyond this CA's own
     * expiry), with a new key. The chain holds the intermediates up to, not including, the root.
     */
    public Issued issueWorkload(String service, Duration ttl) {
        SpiffeId id = SpiffeId.forService(trustDomain, service);
        KeyPair pair = newKeyPair();
        X509v3CertificateBuilder b = builder(name(service, trustDomain), pair.getPublic(), ttl);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(
                            new KeyPurposeId[] {
                                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                            }));
            b.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    ext.createAuthorityKeyIdentifier(certificate()));
            b.addExtension(Extension.subjectAlternativeName, false, uri(id.toString()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("cannot build a workload certificate", e);
        }
        return new Issued(chainWith(sign(b, signer.key())), pair.getPrivate());
    }

    /**
     * An intermediate CA for the node that serves {@code service}: it may sign end-entity
     * certificates only (path length 0), whose URIs lie in this trust domain (a name constraint).
     */
    public Issued issueIntermediate(String service, Duration ttl) {
        SpiffeId.checkServiceName(service, "service");
        KeyPair pair = newKeyPair();
        X509v3CertificateBuilder b =
                builder(name(service + " issuer", trustDomain), pair.getPublic(), ttl);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(
                            KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(
                    Extension.nameConstraints,
                    true,
                    new NameConstraints(
                            new GeneralSubtree[] {
                                new GeneralSubtree(
                                        new GeneralName(
                                                GeneralName.uniformResourceIdentifier, trustDomain))
                            },
                            null));
            b.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    ext.createAuthorityKeyIdentifier(certificate()));
            b.addExtension(Extension.subjectAlternativeName, false, uri("spiffe://" + trustDomain));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("cannot build an intermediate certificate", e);
        }
        return new Issued(chainWith(sign(b, signer.key())), pair.getPrivate());
    }

    private X509v3CertificateBuilder builder(X500Name subject, PublicKey key, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new PkiException("ttl: " + ttl + " (expected: a positive duration)");
        }
        Instant now = clock.instant();
        Instant notAfter = now.plus(ttl);
        Instant caNotAfter = certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            notAfter = caNotAfter; // a certificate cannot outlive its issuer
        }
        Instant notBefore = now.minus(BACKDATE);
        Instant caNotBefore = certificate().getNotBefore().toInstant();
        if (notBefore.isBefore(caNotBefore)) {
            notBefore = caNotBefore;
        }
        X500Name issuer =
                X500Name.getInstance(certificate().getSubjectX500Principal().getEncoded());
        return new JcaX509v3CertificateBuilder(
                issuer, serial(), Date.from(notBefore), Date.from(notAfter), subject, key);
    }

    private List<X509Certificate> chainWith(X509Certificate leaf) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        // A self-signed signer is the root: peers hold it in their trust bundle already.
        for (X509Certificate c : signer.chain()) {
            if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                chain.add(c);
            }
        }
        return chain;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new PkiException(
                    "cannot sign a certificate with the " + key.getAlgorithm() + " key", e);
        }
    }

    private static GeneralNames uri(String uri) {
        return new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    }

    private static X500Name name(String commonName, String trustDomain) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, trustDomain)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** A new EC P-256 key pair. */
    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot generate an EC P-256 key", e);
        }
    }

    /**
     * Writes {@code issued} as {@code cert.pem} (with its chain) and {@code key.pem} in {@code
     * dir}: key first.
     */
    public static void writeIssued(Issued issued, Path dir) {
        Pem.write(dir.resolve(KEY), Pem.privateKey(issued.key()), true);
        Pem.write(dir.resolve(CERT), Pem.certificates(issued.chain()), false);
    }

    /** Writes this root as {@code ca.pem} and {@code ca-key.pem} in {@code dir}. */
    public void writeRoot(Path dir) {
        Pem.write(dir.resolve(CA_KEY), Pem.privateKey(signer.key()), true);
        Pem.write(dir.resolve(CA_CERT), Pem.certificates(signer.chain()), false);
    }

    /** Whether {@code dir} already holds a CA (either of its files). */
    public static boolean rootExists(Path dir) {
        return Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY));
    }
}
