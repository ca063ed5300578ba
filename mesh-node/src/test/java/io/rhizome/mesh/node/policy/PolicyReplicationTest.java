package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.RhizomeNode;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.artery.ArteryTransport;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter$;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three whole nodes in one JVM (fast profile, loopback, Artery test mode for partitions) driven
 * through their admin APIs: changes on any node converge everywhere, concurrent writes resolve to
 * one winner, bad input changes nothing, and partitions lose no accepted write — also one that
 * outlasts the Split Brain Resolver, after which the minority rejoins as a new incarnation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("slow") // several seconds: real clusters or nodes
class PolicyReplicationTest {
    private final RhizomeNode[] nodes = new RhizomeNode[3];
    private final int[] admin = new int[3];
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        int[] cluster = {FreePorts.next(), FreePorts.next(), FreePorts.next()};
        for (int i = 0; i < 3; i++) {
            admin[i] = FreePorts.next();
            Config c =
                    ConfigFactory.parseString(
                            """
                    rhizome {
                      node.name = "node-%d"
                      cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d", "127.0.0.1:%d"], profile = fast }
                      admin.port = %d
                      outbound.port = %d
                      inbound.port = %d
                      data-dir = "%s"
                      shutdown { drain-delay = 0s, drain-timeout = 1s }
                    }
                    pekko.loglevel = WARNING
                    pekko.remote.artery.advanced.test-mode = on
                    """
                                    .formatted(
                                            i + 1,
                                            cluster[i],
                                            cluster[0],
                                            cluster[1],
                                            admin[i],
                                            FreePorts.next(),
                                            FreePorts.next(),
                                            Files.createTempDirectory("rhizome-policy")
                                                    .toString()));
            nodes[i] = RhizomeNode.start(SettingsLoader.fromConfig(c));
        }
        Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                    for (int i = 0; i < 3; i++) {
                        assertThat(get(i, "/readyz").statusCode()).isEqualTo(200);
                        assertThat(nodes[i].view().current().members()).hasSize(3);
                    }
                });
    }

    @AfterAll
    void stop() {
        for (RhizomeNode n : nodes) {
            if (n != null) {
                n.shutdown();
            }
        }
    }

    private HttpResponse<String> get(int node, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin[node] + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> apply(int node, String json) {
        try {
            return http.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + admin[node] + "/v1/apply"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String route(String name, String prefix) {
        return """
                {"kind": "Route", "name": "%s", "spec": {"service": "orders",
                  "rules": [{"match": {"path-prefix": "%s"}, "backends": [{"subset": {"version": "v1"}}]}]}}
                """
                .formatted(name, prefix);
    }

    private String digest(int node) {
        return ConfigFactory.parseString(get(node, "/v1/config/digest").body()).getString("digest");
    }

    private Set<String> digests() {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            out.add(digest(i));
        }
        return out;
    }

    private void converged(Duration within) throws Exception {
        Eventually.within(within, () -> assertThat(digests()).hasSize(1));
    }

    private void partition(int isolated, boolean on) throws Exception {
        for (int i = 0; i < 3; i++) {
            if (i == isolated) {
                continue;
            }
            throttle(i, isolated, on);
            throttle(isolated, i, on);
        }
    }

    private void throttle(int from, int to, boolean blackhole) throws Exception {
        ExtendedActorSystem sys =
                (ExtendedActorSystem) Adapter.toClassic(nodes[from].controlPlane().system());
        Address target = Cluster.get(nodes[to].controlPlane().system()).selfMember().address();
        ArteryTransport transport =
                (ArteryTransport) ((RemoteActorRefProvider) sys.provider()).transport();
        ThrottlerTransportAdapter$ t = ThrottlerTransportAdapter$.MODULE$;
        scala.concurrent.Await.result(
                transport.managementCommand(
                        new ThrottlerTransportAdapter.SetThrottle(
                                target,
                                t.bothDirection(),
                                blackhole
                                        ? t.blackholeThrottleMode()
                                        : t.unthrottledThrottleMode())),
                scala.concurrent.duration.Duration.create(5, "s"));
    }

    @Test
    @Order(1)
    void aResourceAppliedOnOneNodeIsSeenByAllAndReadsBackAsApplied() throws Exception {
        HttpResponse<String> r = apply(1, route("orders-api", "/api"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Config answer = ConfigFactory.parseString(r.body());
        assertThat(answer.getInt("seen-by")).isEqualTo(3);
        assertThat(answer.getInt("members")).isEqualTo(3);
        assertThat(answer.getConfigList("results").get(0).getString("status")).isEqualTo("created");
        converged(Duration.ofSeconds(2));

        String printed = get(0, "/v1/resources/route/orders-api").body();
        assertThat(ConfigFactory.parseString(printed).getString("writer")).isEqualTo("node-2");
        HttpResponse<String> again = apply(2, printed);
        assertThat(
                        ConfigFactory.parseString(again.body())
                                .getConfigList("results")
                                .get(0)
                                .getString("status"))
                .as("what get prints applies back unchanged")
                .isEqualTo("unchanged");
        assertThat(get(2, "/v1/resources/ROUTE").body()).contains("orders-api");
    }

    @Test
    @Order(2)
    void aBadResourceIsRefusedWholeAndChangesNothingAnywhere() throws Exception {
        String before = digest(0);
        HttpResponse<String> r =
                apply(
                        0,
                        """
                {"resources": [
                  %s,
                  {"kind": "Route", "name": "bad", "spec": {"service": "orders",
                    "rules": [{"backends": [{"weight": 1}]}, {"backends": [{"weight": -5}]}]}}
                ]}"""
                                .formatted(route("would-be-fine", "/fine")));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body())
                .contains("resources[1].spec.rules[1].backends[0].weight: -5 (expected: 0..1000)");
        for (int i = 0; i < 3; i++) {
            assertThat(digest(i)).isEqualTo(before);
        }
        assertThat(get(0, "/v1/resources/route/would-be-fine").statusCode()).isEqualTo(404);
    }

    @Test
    @Order(3)
    void concurrentWritesOnTwoNodesConvergeToOneWinner() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            int r = round;
            writes.add(
                    CompletableFuture.supplyAsync(
                            () -> apply(0, route("contested", "/from-node-1-" + r))));
            writes.add(
                    CompletableFuture.supplyAsync(
                            () -> apply(2, route("contested", "/from-node-3-" + r))));
            writes.add(CompletableFuture.supplyAsync(() -> apply(0, route("only-1-" + r, "/a"))));
            writes.add(CompletableFuture.supplyAsync(() -> apply(2, route("only-3-" + r, "/b"))));
        }
        writes.forEach(w -> assertThat(w.join().statusCode()).isIn(200, 202));
        converged(Duration.ofSeconds(5));
        String winner = get(0, "/v1/resources/route/contested").body();
        for (int i = 1; i < 3; i++) {
            assertThat(get(i, "/v1/resources/route/contested").body()).isEqualTo(winner);
        }
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 3; i++) {
                assertThat(get(i, "/v1/resources/route/only-1-" + round).statusCode())
                        .isEqualTo(200);
                assertThat(get(i, "/v1/resources/route/only-3-" + round).statusCode())
                        .isEqualTo(200);
            }
        }
    }

    @Test
    @Order(4)
    void aShortPartitionLosesNoWriteOnEitherSide() throws Exception {
        partition(2, true);
        CompletableFuture<HttpResponse<String>> majority =
                CompletableFuture.supplyAsync(() -> apply(0, route("short-majority", "/m")));
        CompletableFuture<HttpResponse<String>> minority =
                CompletableFuture.supplyAsync(() -> apply(2, route("short-minority", "/n")));
        HttpResponse<String> m = majority.join();
        HttpResponse<String> n = minority.join();
        assertThat(n.statusCode()).as("accepted locally, never refused").isEqualTo(202);
        assertThat(ConfigFactory.parseString(n.body()).getInt("seen-by")).isEqualTo(1);
        assertThat(m.statusCode()).isEqualTo(202);
        partition(2, false);
        converged(Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "/v1/resources/route/short-majority").statusCode()).isEqualTo(200);
            assertThat(get(i, "/v1/resources/route/short-minority").statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Order(5)
    void aPartitionThatOutlastsTheSplitBrainResolverLosesNoWriteEither() throws Exception {
        partition(2, true);
        assertThat(apply(2, route("long-minority", "/x")).statusCode()).isEqualTo(202);
        // Accepted either way; 200 only when every member really holds the write, else 202
        // "replicating".
        HttpResponse<String> majority = apply(0, route("long-majority", "/y"));
        Config receipt = ConfigFactory.parseString(majority.body());
        if (majority.statusCode() == 200) {
            assertThat(receipt.getInt("seen-by")).isEqualTo(receipt.getInt("members"));
            assertThat(receipt.getBoolean("replicating")).isFalse();
        } else {
            assertThat(majority.statusCode()).isEqualTo(202);
            assertThat(receipt.getInt("seen-by")).isLessThan(receipt.getInt("members"));
            assertThat(receipt.getBoolean("replicating")).isTrue();
        }
        // node-3 is downed by the majority and downs itself; its control plane is recreated.
        Eventually.within(
                Duration.ofSeconds(30),
                () ->
                        assertThat(nodes[0].view().current().members())
                                .extracting(m -> m.name())
                                .doesNotContain("node-3"));
        Eventually.within(
                Duration.ofSeconds(30),
                () ->
                        assertThat(nodes[2].controlPlane().system())
                                .isNotNull()
                                .satisfies(
                                        s ->
                                                assertThat(
                                                                Cluster.get(s)
                                                                        .selfMember()
                                                                        .status()
                                                                        .toString())
                                                        .isNotEqualTo("Down")));
        partition(2, false);
        Eventually.within(
                Duration.ofSeconds(40),
                () -> {
                    for (int i = 0; i < 3; i++) {
                        assertThat(nodes[i].view().current().members())
                                .hasSize(3)
                                .allSatisfy(m -> assertThat(m.status()).isEqualTo("Up"));
                    }
                });
        converged(Duration.ofSeconds(15));
        for (int i = 0; i < 3; i++) {
            assertThat(get(i, "/v1/resources/route/long-minority").statusCode())
                    .as("node " + i)
                    .isEqualTo(200);
            assertThat(get(i, "/v1/resources/route/long-majority").statusCode())
                    .as("node " + i)
                    .isEqualTo(200);
        }
    }

    /**
     * Untrusted mode (pekko.remote.artery.untrusted-mode): a peer's actor selections reach only the
     * cluster's own daemons, and PossiblyHarmful messages (PoisonPill, Kill) reach nothing.
     */
    @Test
    @Order(6)
    void aPeerCannotSelectANodesActorsByPathNorStopThem() throws Exception {
        org.apache.pekko.actor.ActorSystem a = Adapter.toClassic(nodes[0].controlPlane().system());
        Address b = Cluster.get(nodes[1].controlPlane().system()).selfMember().address();
        Object trusted =
                org.apache.pekko.pattern.Patterns.ask(
                                a.actorSelection(b + "/system/cluster/core/daemon"),
                                new org.apache.pekko.actor.Identify(1),
                                Duration.ofSeconds(3))
                        .toCompletableFuture()
                        .get();
        assertThat(((org.apache.pekko.actor.ActorIdentity) trusted).getActorRef())
                .as("a trusted path answers")
                .isPresent();
        assertThat(
                        org.apache.pekko.pattern.Patterns.ask(
                                        a.actorSelection(b + "/system/policy"),
                                        new org.apache.pekko.actor.Identify(2),
                                        Duration.ofSeconds(1))
                                .toCompletableFuture())
                .as("any other path is dropped")
                .failsWithin(Duration.ofSeconds(3));
        for (String path :
                new String[] {
                    "/system/cluster/core/daemon", "/system/policy", "/system/ddataReplicator"
                }) {
            a.actorSelection(b + path)
                    .tell(
                            org.apache.pekko.actor.PoisonPill.getInstance(),
                            org.apache.pekko.actor.ActorRef.noSender());
            a.actorSelection(b + path)
                    .tell(
                            org.apache.pekko.actor.Kill.getInstance(),
                            org.apache.pekko.actor.ActorRef.noSender());
        }
        HttpResponse<String> r = apply(1, route("after-poison", "/after"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(ConfigFactory.parseString(r.body()).getInt("seen-by")).isEqualTo(3);
        assertThat(nodes[1].view().current().members())
                .hasSize(3)
                .allSatisfy(m -> assertThat(m.status()).isEqualTo("Up"));
    }
}
