package io.rhizome.mesh.node.security.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.TlsSettings;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.SpiffeId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tls.issuer: the node mints its own certificate and renews it at two thirds of its lifetime. */
class MeshTlsSelfIssuingTest {
    @TempDir Path dir;

    @Test
    void mintsItsOwnCertificateAndRenewsItAtTwoThirdsOfItsLifetime() {
        ManualClock clock =
                new ManualClock(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        CertificateAuthority ca =
                CertificateAuthority.createRoot("example.org", Duration.ofDays(10), clock);
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueIntermediate("orders", Duration.ofDays(5)), dir.resolve("issuer"));
        TlsSettings settings =
                new TlsSettings(
                        true,
                        dir.resolve("ca/ca.pem"),
                        dir.resolve("none.pem"),
                        dir.resolve("none.pem"),
                        dir.resolve("issuer"),
                        Duration.ofHours(3),
                        Duration.ofHours(1)); // the poller stays out of the way

        try (MeshTls tls = MeshTls.start(settings, "orders", clock)) {
            TlsMaterial first = tls.material();
            assertThat(first.identity()).isEqualTo(SpiffeId.forService("example.org", "orders"));
            assertThat(first.chain()).as("leaf and the node's intermediate").hasSize(2);
            assertThat(Duration.between(clock.instant(), first.notAfter()))
                    .isEqualTo(Duration.ofHours(3));
            assertThat(tls.status().getMode()).isEqualTo("issuer");

            clock.advance(Duration.ofMinutes(119));
            tls.checkNow();
            assertThat(tls.material()).as("before two thirds").isSameAs(first);

            clock.advance(Duration.ofMinutes(2));
            tls.checkNow();
            TlsMaterial second = tls.material();
            assertThat(second.certificate().getSerialNumber())
                    .isNotEqualTo(first.certificate().getSerialNumber());
            assertThat(second.key()).isNotEqualTo(first.key());
            assertThat(second.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(3)));
            assertThat(tls.stats().reloads()).isEqualTo(1);
            assertThat(tls.status().getExpiresInSeconds())
                    .isEqualTo(Duration.ofHours(3).toSeconds());
        }
    }

    private static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
