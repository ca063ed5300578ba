package io.rhizome.mesh.node.health.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.cluster.ClusterConfig;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.Eventually;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes (ActorSystems on loopback) with their own outlier detection, wired as a node wires
 * them: when node-a ejects an endpoint, node-b stops choosing it too, for node-a's back-off, and
 * takes it back when that ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow") // several seconds: real clusters or nodes
class SharedEjectionsClusterTest {
    private static final OutlierPolicy TWO_SECONDS =
            new OutlierPolicy(5, Duration.ofSeconds(2), 50);
    private final List<ActorSystem<Void>> systems = new ArrayList<>();
    private final List<EjectionTracker> trackers = new ArrayList<>();

    private final MeshSnapshot mesh =
            new MeshSnapshot(
                    Map.of(
                            "orders",
                            List.of(endpoint("node-x"), endpoint("node-y"), endpoint("node-z"))),
                    List.of());

    private static MeshEndpoint endpoint(String node) {
        return new MeshEndpoint(
                node + "/orders",
                "orders",
                node,
                new HostPort("10.0.0.1", 8080),
                new HostPort(node, 15006),
                Map.of(),
                EndpointStatus.SERVING,
                false,
                true,
                "Up");
    }

    @BeforeAll
    void formCluster() throws Exception {
        for (String name : List.of("node-a", "node-b")) {
            String dir = Files.createTempDirectory("rhizome-" + name).toString();
            NodeSettings s =
                    SettingsLoader.fromConfig(
                            ConfigFactory.parseString(
                                    """
                    rhizome { node.name = "%s", cluster { host = "127.0.0.1", port = 0, profile = fast }, data-dir = "%s" }
                    pekko.loglevel = WARNING
                    """
                                            .formatted(name, dir.replace("\\", "/"))));
            ActorSystem<Void> system =
                    ActorSystem.create(
                            Behaviors.empty(),
                            ClusterConfig.SYSTEM_NAME,
                            ClusterConfig.pekkoConfig(s, "test"));
            EjectionTracker tracker = new EjectionTracker(Duration.ofSeconds(2), System::nanoTime);
            ActorRef<EjectionGossipActor.Command> gossip =
                    system.systemActorOf(
                            EjectionGossipActor.create(
                                    name, tracker.shared(), System::currentTimeMillis),
                            "ejection-gossip",
                            Props.empty());
            tracker.onEjection(
                    (id, millis) ->
                            gossip.tell(
                                    new EjectionGossipActor.Ejected(
                                            id, System.currentTimeMillis() + millis)));
            systems.add(system);
            trackers.add(tracker);
        }
        Address first = Cluster.get(systems.get(0)).selfMember().address();
        for (ActorSystem<Void> system : systems) {
            Cluster.get(system).manager().tell(Join.create(first));
        }
        Eventually.within(
                Duration.ofSeconds(20),
                () ->
                        systems.forEach(
                                sys ->
                                        assertThat(Cluster.get(sys).state().getMembers())
                                                .hasSize(2)
                                                .allSatisfy(
                                                        m ->
                                                                assertThat(m.status())
                                                                        .isEqualTo(
                                                                                MemberStatus
                                                                                        .up()))));
    }

    @AfterAll
    void stop() {
        systems.forEach(ActorSystem::terminate);
    }

    @Test
    void anEndpointOneNodeEjectsIsAvoidedByTheOtherForTheSameBackOff() throws Exception {
        EndpointSelector onB = new EndpointSelector(trackers.get(1));
        assertThat(picks(onB, 30)).contains("node-y");

        long ejectedAt = System.nanoTime();
        assertThat(trackers.get(0).refused("node-y/orders", TWO_SECONDS, mesh.endpoints("orders")))
                .isEqualTo(EjectionDecision.EJECTED);

        Eventually.within(
                Duration.ofSeconds(3),
                () -> assertThat(trackers.get(1).isEjected("node-y/orders")).isTrue());
        long sharedMillis = (System.nanoTime() - ejectedAt) / 1_000_000;
        assertThat(picks(onB, 30))
                .as("node-b's picks while node-a's ejection runs")
                .doesNotContain("node-y");
        assertThat(onB.exclusionReason(mesh.endpoints("orders").get(1))).isEqualTo("ejected");
        System.out.printf("FIGURE an ejection reached the other node in %d ms%n", sharedMillis);

        Eventually.within(
                Duration.ofSeconds(4),
                () -> assertThat(trackers.get(1).isEjected("node-y/orders")).isFalse());
        long backMillis = (System.nanoTime() - ejectedAt) / 1_000_000;
        assertThat(backMillis)
                .as("node-b takes it back when node-a's 2 s back-off ends")
                .isGreaterThanOrEqualTo(1900);
        assertThat(picks(onB, 30)).contains("node-y");
    }

    private Set<String> picks(EndpointSelector selector, int n) {
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < n; i++) {
            nodes.add(
                    ((EndpointSelector.Chosen) selector.pick(mesh, "orders", Set.of()))
                            .endpoint()
                            .node());
        }
        return nodes;
    }
}
