package io.rhizome.mesh.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.cluster.ClusterConfig;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.Eventually;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three ActorSystems on loopback (port 0, fast profile) form one cluster: each publishes its own
 * services, every node's view converges, status changes propagate, and a member that dies leaves
 * every view once the Split Brain Resolver removes it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("slow") // several seconds: real clusters or nodes
class RegistryClusterTest {
    private final List<ActorSystem<Void>> systems = new ArrayList<>();
    private final List<MeshView> views = new ArrayList<>();
    private final List<ActorRef<RegistryActor.Command>> registries = new ArrayList<>();

    private NodeSettings settings(String name, String services) throws Exception {
        String dir = Files.createTempDirectory("rhizome-" + name).toString();
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString(
                        """
                rhizome {
                  node.name = "%s"
                  cluster { host = "127.0.0.1", port = 0, profile = fast }
                  data-dir = "%s"
                  services = [ %s ]
                }
                pekko.loglevel = WARNING
                # terminate() below must look like a crash, not a graceful leave
                pekko.coordinated-shutdown.run-by-actor-system-terminate = off
                """
                                .formatted(name, dir.replace("\\", "/"), services)));
    }

    @BeforeAll
    void formCluster() throws Exception {
        NodeSettings[] all = {
            settings(
                    "node-a",
                    "{ name = orders, address = \"127.0.0.1:18080\", labels { version = v1 }, health-check.protocol = none }"),
            settings(
                    "node-b",
                    "{ name = orders, address = \"127.0.0.1:18081\", labels { version = v2 }, health-check.protocol = none }"),
            settings(
                    "node-c",
                    "{ name = payments, address = \"127.0.0.1:18082\", health-check.protocol = none }"),
        };
        for (NodeSettings s : all) {
            ActorSystem<Void> system =
                    ActorSystem.create(
                            Behaviors.empty(),
                            ClusterConfig.SYSTEM_NAME,
                            ClusterConfig.pekkoConfig(s, "test"));
            MeshView view = new MeshView();
            registries.add(
                    system.systemActorOf(
                            RegistryActor.create(s, view, java.util.Map.of()),
                            "registry",
                            Props.empty()));
            systems.add(system);
            views.add(view);
        }
        Address first = Cluster.get(systems.get(0)).selfMember().address();
        for (ActorSystem<Void> system : systems) {
            Cluster.get(system).manager().tell(Join.create(first));
        }
    }

    @AfterAll
    void stop() {
        systems.forEach(ActorSystem::terminate);
    }

    @Test
    @Order(1)
    void everyNodeSeesEveryServiceAndMember() throws Exception {
        Eventually.within(
                Duration.ofSeconds(20),
                () -> {
                    for (MeshView view : views) {
                        MeshSnapshot s = view.current();
                        assertThat(s.members())
                                .extracting(MemberView::name)
                                .containsExactly("node-a", "node-b", "node-c");
                        assertThat(s.members())
                                .allSatisfy(m -> assertThat(m.status()).isEqualTo("Up"));
                        assertThat(s.endpoints("orders"))
                                .extracting(MeshEndpoint::node)
                                .containsExactly("node-a", "node-b");
                        assertThat(s.endpoints("payments"))
                                .extracting(MeshEndpoint::node)
                                .containsExactly("node-c");
                    }
                });
        MeshEndpoint fromC = views.get(2).current().endpoints("orders").get(1);
        assertThat(fromC.labels()).containsEntry("version", "v2");
        assertThat(fromC.local()).isFalse();
        assertThat(fromC.target())
                .as("a remote endpoint is reached through its node's inbound port")
                .isEqualTo(fromC.inbound());
        MeshEndpoint onA = views.get(0).current().endpoints("orders").get(0);
        assertThat(onA.local()).isTrue();
        assertThat(onA.target()).as("the local shortcut").isEqualTo(onA.address());
    }

    @Test
    @Order(2)
    void aStatusChangeReachesEveryNode() throws Exception {
        registries
                .get(0)
                .tell(
                        new RegistryActor.SetLocalStatus(
                                "orders", EndpointStatus.NOT_SERVING, systems.get(0).ignoreRef()));
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    MeshEndpoint a = views.get(2).current().endpoints("orders").get(0);
                    assertThat(a.node()).isEqualTo("node-a");
                    assertThat(a.status()).isEqualTo(EndpointStatus.NOT_SERVING);
                    assertThat(a.exclusionReason()).isEqualTo("not-serving");
                });
        registries
                .get(0)
                .tell(
                        new RegistryActor.SetLocalStatus(
                                "orders", EndpointStatus.SERVING, systems.get(0).ignoreRef()));
        Eventually.within(
                Duration.ofSeconds(5),
                () ->
                        assertThat(
                                        views.get(2)
                                                .current()
                                                .endpoints("orders")
                                                .get(0)
                                                .exclusionReason())
                                .isEmpty());
    }

    @Test
    @Order(3)
    void aMemberThatDiesIsUnreachableAtOnceAndThenRemovedWithItsEndpoints() throws Exception {
        systems.get(1).terminate(); // node-b dies without leaving
        Eventually.within(
                Duration.ofSeconds(10),
                () -> {
                    MeshEndpoint b = views.get(0).current().endpoints("orders").get(1);
                    assertThat(b.node()).isEqualTo("node-b");
                    assertThat(b.exclusionReason()).isEqualTo("member-unreachable");
                });
        Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                    for (int i : new int[] {0, 2}) {
                        MeshSnapshot s = views.get(i).current();
                        assertThat(s.members())
                                .extracting(MemberView::name)
                                .containsExactly("node-a", "node-c");
                        assertThat(s.endpoints("orders"))
                                .extracting(MeshEndpoint::node)
                                .containsExactly("node-a");
                    }
                });
    }
}
