package io.rhizome.mesh.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class SpiffeVerifierTest {
    private static final Clock NOW = Clock.systemUTC();
    private static final CertificateAuthority CA =
            CertificateAuthority.createRoot("example.org", Duration.ofDays(10), NOW);
    private static final SpiffeVerifier VERIFIER =
            SpiffeVerifier.create(List.of(CA.certificate()), "example.org", NOW);

    @Test
    void acceptsAWorkloadOfTheTrustDomainAndNamesIt() throws Exception {
        Issued orders = CA.issueWorkload("orders", Duration.ofHours(24));
        assertThat(VERIFIER.verify(chain(orders)))
                .hasToString("spiffe://example.org/service/orders");
        assertThat(SpiffeId.uriSans(orders.certificate()))
                .containsExactly("spiffe://example.org/service/orders");
    }

    @Test
    void acceptsAWorkloadMintedByAnIntermediateWithItsChain() throws Exception {
        Issued intermediate = CA.issueIntermediate("orders", Duration.ofDays(2));
        CertificateAuthority issuer =
                CertificateAuthority.load(
                        write(intermediate, "cert"), write(intermediate, "key"), NOW);
        Issued minted = issuer.issueWorkload("orders", Duration.ofHours(1));
        assertThat(minted.chain()).hasSize(2);
        assertThat(VERIFIER.verify(chain(minted)).service()).isEqualTo("orders");
    }

    @Test
    void refusesACertificateOfAnotherCa() {
        CertificateAuthority foreign =
                CertificateAuthority.createRoot("example.org", Duration.ofDays(1), NOW);
        Issued rogue = foreign.issueWorkload("orders", Duration.ofHours(1));
        assertThatThrownBy(() -> VERIFIER.verify(chain(rogue)))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not chain to the trust bundle");
    }

    @Test
    void refusesAnotherTrustDomainEvenFromATrustedCa() {
        CertificateAuthority other =
                CertificateAuthority.createRoot("other.org", Duration.ofDays(1), NOW);
        SpiffeVerifier both =
                SpiffeVerifier.create(
                        List.of(CA.certificate(), other.certificate()), "example.org", NOW);
        Issued outsider = other.issueWorkload("orders", Duration.ofHours(1));
        assertThatThrownBy(() -> both.verify(chain(outsider)))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("trust domain \"other.org\"");
    }

    @Test
    void refusesAnExpiredCertificate() {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(3)), ZoneOffset.UTC);
        CertificateAuthority old =
                CertificateAuthority.load(
                        write(CA.signer(), "cert"), write(CA.signer(), "key"), past);
        Issued expired = old.issueWorkload("orders", Duration.ofHours(1));
        assertThatThrownBy(() -> VERIFIER.verify(chain(expired)))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("expired");
    }

    @Test
    void refusesZeroOrSeveralUriSans() throws Exception {
        assertThatThrownBy(() -> VERIFIER.verify(new X509Certificate[] {leafWithUris()}))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("0 URI SANs");
        assertThatThrownBy(
                        () ->
                                VERIFIER.verify(
                                        new X509Certificate[] {
                                            leafWithUris(
                                                    "spiffe://example.org/service/a",
                                                    "spiffe://example.org/service/b")
                                        }))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("2 URI SANs");
    }

    @Test
    void intermediateCannotMintOutsideItsTrustDomain() throws Exception {
        Issued intermediate = CA.issueIntermediate("orders", Duration.ofDays(2));
        // A forged leaf for another trust domain signed by the intermediate: its name constraint
        // forbids it.
        KeyPair pair = CertificateAuthority.newKeyPair();
        X509Certificate leaf = build(intermediate, pair, "spiffe://evil.org/service/orders");
        SpiffeVerifier evil = SpiffeVerifier.create(List.of(CA.certificate()), "evil.org", NOW);
        assertThatThrownBy(
                        () -> evil.verify(new X509Certificate[] {leaf, intermediate.certificate()}))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not chain");
    }

    private X509Certificate leafWithUris(String... uris) throws Exception {
        return build(CA.signer(), CertificateAuthority.newKeyPair(), uris);
    }

    private static X509Certificate build(Issued signer, KeyPair pair, String... uris)
            throws Exception {
        Instant now = Instant.now();
        var b =
                new JcaX509v3CertificateBuilder(
                        X500Name.getInstance(
                                signer.certificate().getSubjectX500Principal().getEncoded()),
                        BigInteger.TEN,
                        Date.from(now.minusSeconds(60)),
                        Date.from(now.plusSeconds(3600)),
                        new X500Name("CN=test"),
                        pair.getPublic());
        if (uris.length > 0) {
            GeneralName[] names = new GeneralName[uris.length];
            for (int i = 0; i < uris.length; i++) {
                names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, uris[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(
                        b.build(
                                new JcaContentSignerBuilder("SHA256withECDSA")
                                        .build(signer.key())));
    }

    private static X509Certificate[] chain(Issued issued) {
        return issued.chain().toArray(X509Certificate[]::new);
    }

    private static java.nio.file.Path write(Issued issued, String what) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("pki");
            CertificateAuthority.writeIssued(issued, dir);
            return dir.resolve(
                    what.equals("cert") ? CertificateAuthority.CERT : CertificateAuthority.KEY);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
