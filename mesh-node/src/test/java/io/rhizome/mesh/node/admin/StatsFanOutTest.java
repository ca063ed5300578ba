package io.rhizome.mesh.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.cluster.ClusterConfig;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import io.rhizome.mesh.node.observability.stats.MeshStats;
import io.rhizome.mesh.node.observability.stats.StatRow;
import io.rhizome.mesh.node.observability.stats.StatsQueryActor;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three ActorSystems on loopback form a cluster, each with its own recorder fed known requests: the
 * figures gathered from any one of them (Kryo over Artery) are the sums of every node's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatsFanOutTest {
    private final List<ActorSystem<Void>> systems = new ArrayList<>();
    private final List<StatsRecorder> recorders = new ArrayList<>();

    private static NodeSettings settings(String name) throws Exception {
        String dir = Files.createTempDirectory("rhizome-" + name).toString();
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString(
                        """
                rhizome {
                  node.name = "%s"
                  cluster { host = "127.0.0.1", port = 0, profile = fast }
                  data-dir = "%s"
                }
                pekko.loglevel = WARNING
                """
                                .formatted(name, dir.replace("\\", "/"))));
    }

    @BeforeAll
    void formCluster() throws Exception {
        for (String name : List.of("node-a", "node-b", "node-c")) {
            NodeSettings s = settings(name);
            ActorSystem<Void> system =
                    ActorSystem.create(
                            Behaviors.empty(),
                            ClusterConfig.SYSTEM_NAME,
                            ClusterConfig.pekkoConfig(s, "test"));
            StatsRecorder recorder =
                    StatsRecorder.create("", List.of(), name, System::currentTimeMillis);
            system.systemActorOf(
                    StatsQueryActor.create(name, recorder), "stats-query", Props.empty());
            systems.add(system);
            recorders.add(recorder);
        }
        Address first = Cluster.get(systems.get(0)).selfMember().address();
        for (ActorSystem<Void> system : systems) {
            Cluster.get(system).manager().tell(Join.create(first));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            Receptionist.Listing l =
                    AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                                    systems.get(2).receptionist(),
                                    replyTo -> Receptionist.find(StatsQueryActor.KEY, replyTo),
                                    Duration.ofSeconds(3),
                                    systems.get(2).scheduler())
                            .toCompletableFuture()
                            .get();
            if (l.getServiceInstances(StatsQueryActor.KEY).size() == 3) {
                break;
            }
            assertThat(System.nanoTime())
                    .as("every node's stats actor is listed")
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    void stop() {
        systems.forEach(ActorSystem::terminate);
    }

    private static RequestRecord record(String service, int status, long millis) {
        return new RequestRecord(
                Direction.OUTBOUND,
                service,
                "",
                "",
                "GET",
                service,
                "/",
                status,
                "",
                System.currentTimeMillis(),
                millis * 1_000_000,
                0,
                0,
                "",
                "",
                0,
                "");
    }

    @Test
    void anyNodeAnswersWithTheSumOfEveryNodesCountsAndMergedHistograms() throws Exception {
        int[] ok = {7, 11, 13};
        int[] failed = {1, 0, 2};
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < ok[n]; i++) {
                recorders.get(n).onRequest(record("orders", 200, 1 + n));
            }
            for (int i = 0; i < failed[n]; i++) {
                recorders.get(n).onRequest(record("orders", 503, 100));
            }
        }
        recorders.get(1).onRequest(record("payments", 200, 5));

        StatsRoutes.Gathered g =
                StatsRoutes.gather(systems.get(2), Duration.ofMinutes(1))
                        .toCompletableFuture()
                        .get();

        assertThat(g.answered()).containsExactly("node-a", "node-b", "node-c");
        List<MeshStats.Row> services = g.stats().rows(StatRow.SERVICE, "outbound");
        assertThat(services)
                .extracting(MeshStats.Row::service)
                .containsExactly("orders", "payments");
        MeshStats.Row orders = services.get(0);
        assertThat(orders.requests()).isEqualTo(7 + 11 + 13 + 1 + 0 + 2);
        assertThat(orders.failures()).isEqualTo(3);
        MeshStats local = new MeshStats();
        recorders.forEach(r -> local.add(r.snapshot(Duration.ofMinutes(1))));
        assertThat(orders.latency())
                .as("histograms added bucket by bucket")
                .containsExactly(local.rows(StatRow.SERVICE, "outbound").get(0).latency());
        assertThat(orders.percentileMillis(0.5))
                .as("the median request took 2 ms (node-b's)")
                .isBetween(1.75, 2.25);
        assertThat(g.stats().rows(StatRow.EDGE, "outbound"))
                .extracting(MeshStats.Row::caller)
                .containsExactlyInAnyOrder("node-a", "node-b", "node-c", "node-b");
    }
}
