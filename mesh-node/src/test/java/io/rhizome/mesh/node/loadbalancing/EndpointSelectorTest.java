package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector.Chosen;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector.NoHealthyEndpoint;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector.Pick;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector.UnknownService;
import io.rhizome.mesh.node.routing.SubsetFilter;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointSelectorTest {
    private final AtomicLong now = new AtomicLong();
    private final EjectionTracker ejections = new EjectionTracker(Duration.ofSeconds(10), now::get);
    private final EndpointSelector selector = new EndpointSelector(ejections);

    private static MeshEndpoint endpoint(
            String node, EndpointStatus status, boolean reachable, String memberStatus) {
        return new MeshEndpoint(
                node + "/orders",
                "orders",
                node,
                new HostPort("10.0.0.1", 8080),
                new HostPort(node, 15006),
                Map.of(),
                status,
                false,
                reachable,
                memberStatus);
    }

    private static MeshEndpoint serving(String node) {
        return endpoint(node, EndpointStatus.SERVING, true, "Up");
    }

    private static MeshSnapshot snapshot(MeshEndpoint... endpoints) {
        return new MeshSnapshot(Map.of("orders", List.of(endpoints)), List.of());
    }

    private List<String> pickNodes(MeshSnapshot snapshot, int times) {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            Pick pick = selector.pick(snapshot, "orders", Set.of());
            assertThat(pick).isInstanceOf(Chosen.class);
            nodes.add(((Chosen) pick).endpoint().node());
        }
        return nodes;
    }

    @Test
    void roundRobinAlternatesAcrossServingEndpoints() {
        MeshSnapshot s = snapshot(serving("node-b"), serving("node-a"), serving("node-c"));

        List<String> nodes = pickNodes(s, 6);

        assertThat(nodes.subList(0, 3)).containsExactlyInAnyOrder("node-a", "node-b", "node-c");
        assertThat(nodes.subList(3, 6)).isEqualTo(nodes.subList(0, 3));
    }

    @Test
    void endpointsThatShouldGetNoTrafficAreSkippedAndSayWhy() {
        MeshEndpoint healthy = serving("node-a");
        MeshEndpoint draining = endpoint("node-b", EndpointStatus.DRAINING, true, "Up");
        MeshEndpoint notServing = endpoint("node-c", EndpointStatus.NOT_SERVING, true, "Up");
        MeshEndpoint unreachable = endpoint("node-d", EndpointStatus.SERVING, false, "Up");
        MeshEndpoint leaving = endpoint("node-e", EndpointStatus.SERVING, true, "Leaving");
        MeshEndpoint ejected = serving("node-f");
        ejections.eject(ejected.id());
        MeshSnapshot s = snapshot(healthy, draining, notServing, unreachable, leaving, ejected);

        assertThat(pickNodes(s, 5)).containsOnly("node-a");
        assertThat(selector.exclusionReason(healthy)).isEmpty();
        assertThat(selector.exclusionReason(draining)).isEqualTo("draining");
        assertThat(selector.exclusionReason(notServing)).isEqualTo("not-serving");
        assertThat(selector.exclusionReason(unreachable)).isEqualTo("member-unreachable");
        assertThat(selector.exclusionReason(leaving)).isEqualTo("member-leaving");
        assertThat(selector.exclusionReason(ejected)).isEqualTo("ejected");
    }

    @Test
    void joiningAndWeaklyUpMembersTakeTraffic() {
        MeshEndpoint joining = endpoint("node-a", EndpointStatus.SERVING, true, "Joining");
        MeshEndpoint weaklyUp = endpoint("node-b", EndpointStatus.SERVING, true, "WeaklyUp");

        assertThat(pickNodes(snapshot(joining, weaklyUp), 2))
                .containsExactlyInAnyOrder("node-a", "node-b");
    }

    @Test
    void aRetryAvoidsTheEndpointsAlreadyTried() {
        MeshSnapshot s = snapshot(serving("node-a"), serving("node-b"), serving("node-c"));

        for (int i = 0; i < 6; i++) {
            Pick pick = selector.pick(s, "orders", Set.of("node-a/orders", "node-c/orders"));
            assertThat(pick).isEqualTo(new Chosen(s.endpoints("orders").get(1), false));
        }
    }

    @Test
    void whenEveryEndpointIsTriedThereIsNone() {
        MeshSnapshot s = snapshot(serving("node-a"), serving("node-b"));

        assertThat(selector.pick(s, "orders", Set.of("node-a/orders", "node-b/orders")))
                .isEqualTo(new NoHealthyEndpoint("orders", 2));
    }

    @Test
    void panicFallsBackToUnreachableAndEjectedEndpointsRatherThanFailEveryRequest() {
        MeshEndpoint unreachable = endpoint("node-a", EndpointStatus.SERVING, false, "Up");
        MeshEndpoint ejected = serving("node-b");
        MeshEndpoint notServing = endpoint("node-c", EndpointStatus.NOT_SERVING, true, "Up");
        ejections.eject(ejected.id());
        MeshSnapshot s = snapshot(unreachable, ejected, notServing);

        List<Pick> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.add(selector.pick(s, "orders", Set.of()));
        }

        assertThat(picks)
                .allSatisfy(
                        p ->
                                assertThat(p)
                                        .isInstanceOf(Chosen.class)
                                        .extracting(c -> ((Chosen) c).panic())
                                        .isEqualTo(true));
        assertThat(picks)
                .extracting(p -> ((Chosen) p).endpoint().node())
                .containsOnly("node-a", "node-b")
                .contains("node-a", "node-b");
    }

    @Test
    void aServiceWhoseEndpointsAllReportNotServingHasNoHealthyEndpoint() {
        MeshSnapshot s =
                snapshot(
                        endpoint("node-a", EndpointStatus.NOT_SERVING, true, "Up"),
                        endpoint("node-b", EndpointStatus.NOT_SERVING, true, "Up"));

        assertThat(selector.pick(s, "orders", Set.of()))
                .isEqualTo(new NoHealthyEndpoint("orders", 2));
    }

    @Test
    void anUnknownServiceIsReportedAsSuch() {
        MeshSnapshot s = snapshot(serving("node-a"));

        assertThat(selector.pick(s, "billing", Set.of())).isEqualTo(new UnknownService("billing"));
        assertThat(selector.pick(MeshSnapshot.EMPTY, "orders", Set.of()))
                .isEqualTo(new UnknownService("orders"));
    }

    @Test
    void anEjectedEndpointGetsTrafficAgainWhenTheEjectionExpires() {
        MeshSnapshot s = snapshot(serving("node-a"), serving("node-b"));
        ejections.eject("node-b/orders");
        assertThat(pickNodes(s, 4)).containsOnly("node-a");

        now.addAndGet(Duration.ofSeconds(10).toNanos());

        assertThat(selector.exclusionReason(s.endpoints("orders").get(1))).isEmpty();
        assertThat(pickNodes(s, 4))
                .containsExactlyInAnyOrder("node-a", "node-a", "node-b", "node-b");
    }

    @Test
    void aSuccessfulResponseDoesNotEndTheEjectionEarly() {
        MeshSnapshot s = snapshot(serving("node-a"), serving("node-b"));
        ejections.eject("node-b/orders");

        ejections.succeeded("node-b/orders");

        assertThat(pickNodes(s, 4)).containsOnly("node-a");
    }

    @Test
    void servicesHaveTheirOwnRotation() {
        MeshEndpoint a = serving("node-a");
        MeshEndpoint b = serving("node-b");
        MeshEndpoint billing =
                new MeshEndpoint(
                        "node-a/billing",
                        "billing",
                        "node-a",
                        new HostPort("10.0.0.1", 9090),
                        new HostPort("node-a", 15006),
                        Map.of(),
                        EndpointStatus.SERVING,
                        false,
                        true,
                        "Up");
        MeshSnapshot s =
                new MeshSnapshot(
                        Map.of("orders", List.of(a, b), "billing", List.of(billing)), List.of());

        Pick first = selector.pick(s, "orders", Set.of());
        selector.pick(s, "billing", Set.of());
        Pick second = selector.pick(s, "orders", Set.of());

        assertThat(Arrays.asList(((Chosen) first).endpoint(), ((Chosen) second).endpoint()))
                .containsExactlyInAnyOrder(a, b);
    }

    @Test
    void aPolicyBalancerChoosesAmongTheCandidatesTheSelectorLeaves() {
        MeshEndpoint a = serving("node-a");
        MeshEndpoint b = serving("node-b");
        MeshEndpoint draining = endpoint("node-c", EndpointStatus.DRAINING, true, "Up");
        MeshSnapshot s = snapshot(a, b, draining);
        List<List<MeshEndpoint>> seen = new ArrayList<>();
        List<PickContext> contexts = new ArrayList<>();
        LoadBalancer last =
                (candidates, ctx) -> {
                    seen.add(candidates);
                    contexts.add(ctx);
                    return candidates.get(candidates.size() - 1);
                };

        Pick pick =
                selector.pick(
                        s,
                        "orders",
                        Set.of("node-b/orders"),
                        SubsetFilter.all(),
                        last,
                        PickContext.ofKey("alice"));

        assertThat(pick).isEqualTo(new Chosen(a, false));
        assertThat(seen).containsExactly(List.of(a));
        assertThat(contexts).containsExactly(PickContext.ofKey("alice"));

        ejections.eject(a.id());
        ejections.eject(b.id());
        assertThat(selector.pick(s, "orders", Set.of(), SubsetFilter.all(), last, PickContext.NONE))
                .isEqualTo(new Chosen(draining, true));
        assertThat(seen.get(1)).as("the panic set").containsExactly(a, b, draining);
    }
}
