package io.rhizome.mesh.node.security.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.TlsSettings;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.testsupport.Eventually;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artery tls-tcp with ClusterSslEngineProvider: members of the trust domain converge, a foreign CA
 * cannot join.
 */
@Tag("slow") // several seconds: real clusters or nodes
class ClusterTlsTest {
    @TempDir Path dir;
    private final List<ActorSystem<Void>> systems = new ArrayList<>();
    private final List<MeshTls> tlss = new ArrayList<>();

    @AfterEach
    void stop() {
        systems.forEach(ActorSystem::terminate);
        for (ActorSystem<Void> s : systems) {
            s.getWhenTerminated().toCompletableFuture().join();
        }
        tlss.forEach(MeshTls::close);
    }

    @Test
    void nodesOfTheTrustDomainConvergeAndANodeWithAForeignCaCannotJoin() throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        CertificateAuthority foreign =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        // The intruder trusts the mesh's CA too, so only the mesh's side can refuse it.
        io.rhizome.mesh.pki.Pem.write(
                dir.resolve("both/ca.pem"),
                io.rhizome.mesh.pki.Pem.certificates(
                        List.of(foreign.certificate(), ca.certificate())),
                false);
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
        CertificateAuthority.writeIssued(
                foreign.issueWorkload("web", Duration.ofHours(1)), dir.resolve("intruder"));

        MeshTls tlsA = tls("ca", "orders");
        ActorSystem<Void> a = node(tlsA);
        ActorSystem<Void> b = node(tls("ca", "web"));
        ActorSystem<Void> intruder = node(tls("both", "intruder"));

        Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Cluster.get(b).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Eventually.until(
                "a and b Up in both views",
                Duration.ofSeconds(20),
                () -> upCount(a) == 2 && upCount(b) == 2);

        Cluster.get(intruder).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Eventually.until(
                "the intruder's handshake refused",
                Duration.ofSeconds(20),
                () -> tlsA.stats().clusterHandshakeFailures() > 0);
        Thread.sleep(
                2000); // a refused join leaves no event to wait for: give it time to (not) happen
        assertThat(upCount(a)).isEqualTo(2);
        assertThat(Cluster.get(intruder).selfMember().status()).isNotEqualTo(MemberStatus.up());
        List<String> members = new ArrayList<>();
        for (Member m : Cluster.get(a).state().getMembers()) {
            members.add(m.address().toString());
        }
        assertThat(members).doesNotContain(Cluster.get(intruder).selfMember().address().toString());
    }

    @Test
    void withClusterIdentitiesACertificateOfTheTrustDomainButAnotherIdentityCannotJoin()
            throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
        // A client's certificate (meshctl's, say): same CA, same trust domain, not a node's
        // identity.
        CertificateAuthority.writeIssued(
                ca.issueWorkload("ops", Duration.ofHours(1)), dir.resolve("ops"));
        List<String> nodes =
                List.of("spiffe://example.org/service/orders", "spiffe://example.org/service/web");

        MeshTls tlsA = tls("ca", "orders", nodes);
        ActorSystem<Void> a = node(tlsA);
        ActorSystem<Void> b = node(tls("ca", "web", nodes));
        // The intruder itself accepts anyone: only the members' side can refuse it.
        ActorSystem<Void> intruder = node(tls("ca", "ops", List.of()));

        Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Cluster.get(b).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Eventually.until(
                "a and b Up in both views",
                Duration.ofSeconds(20),
                () -> upCount(a) == 2 && upCount(b) == 2);

        Cluster.get(intruder).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        Eventually.until(
                "the ops certificate refused",
                Duration.ofSeconds(20),
                () -> tlsA.stats().clusterHandshakeFailures() > 0);
        Thread.sleep(
                2000); // a refused join leaves no event to wait for: give it time to (not) happen
        assertThat(upCount(a)).isEqualTo(2);
        assertThat(Cluster.get(intruder).selfMember().status()).isNotEqualTo(MemberStatus.up());
    }

    private MeshTls tls(String ca, String pki) {
        return tls(ca, pki, List.of());
    }

    private MeshTls tls(String ca, String pki, List<String> clusterIdentities) {
        TlsSettings settings =
                new TlsSettings(
                        true,
                        dir.resolve(ca + "/ca.pem"),
                        dir.resolve(pki + "/cert.pem"),
                        dir.resolve(pki + "/key.pem"),
                        null,
                        Duration.ofHours(24),
                        Duration.ofHours(1),
                        TlsSettings.Provider.AUTO,
                        clusterIdentities);
        MeshTls tls = MeshTls.start(settings, "", Clock.systemUTC());
        tlss.add(tls);
        return tls;
    }

    private ActorSystem<Void> node(MeshTls tls) {
        Config config =
                ConfigFactory.parseString(
                                """
                pekko.actor.provider = cluster
                pekko.remote.artery { transport = tls-tcp, canonical.hostname = "127.0.0.1", canonical.port = 0 }
                pekko.cluster.jmx.enabled = off
                pekko.loglevel = WARNING
                pekko.coordinated-shutdown.exit-jvm = off
                """)
                        .withFallback(ConfigFactory.load());
        ActorSystem<Void> sys =
                ActorSystem.create(
                        Behaviors.empty(),
                        "rhizome",
                        ClusterSslEngineProvider.withProvider(
                                ActorSystemSetup.create(BootstrapSetup.create(config)), tls));
        systems.add(sys);
        return sys;
    }

    private static int upCount(ActorSystem<Void> sys) {
        int n = 0;
        for (Member m : Cluster.get(sys).state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                n++;
            }
        }
        return n;
    }
}
