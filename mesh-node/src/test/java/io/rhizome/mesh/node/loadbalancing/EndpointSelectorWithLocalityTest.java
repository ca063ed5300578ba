package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector.Chosen;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A node in zone {@code a} calling a service with endpoints in zones a and b. */
class EndpointSelectorWithLocalityTest {
    private final EjectionTracker ejections =
            new EjectionTracker(Duration.ofSeconds(10), System::nanoTime);
    private final Random random = new Random(42);

    private EndpointSelector selector(String zone) {
        return new EndpointSelector(ejections, Locality.of(zone, () -> random));
    }

    private static MeshEndpoint endpoint(String node, String zone, EndpointStatus status) {
        return new MeshEndpoint(
                node + "/orders",
                "orders",
                node,
                new HostPort("10.0.0.1", 8080),
                new HostPort(node, 15006),
                zone == null ? Map.of() : Map.of("zone", zone),
                status,
                false,
                true,
                "Up");
    }

    private static MeshSnapshot snapshot(MeshEndpoint... endpoints) {
        return new MeshSnapshot(Map.of("orders", List.of(endpoints)), List.of());
    }

    /** Picks per zone label ("-" for none) over {@code times} requests. */
    private static Map<String, Integer> zones(
            EndpointSelector selector, MeshSnapshot snapshot, int times) {
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < times; i++) {
            MeshEndpoint e = ((Chosen) selector.pick(snapshot, "orders", Set.of())).endpoint();
            out.merge(e.labels().getOrDefault("zone", "-"), 1, Integer::sum);
        }
        return out;
    }

    private static MeshSnapshot threeAndTwo(EndpointStatus... zoneA) {
        return snapshot(
                endpoint("a1", "a", zoneA[0]),
                endpoint("a2", "a", zoneA[1]),
                endpoint("a3", "a", zoneA[2]),
                endpoint("b1", "b", EndpointStatus.SERVING),
                endpoint("b2", "b", EndpointStatus.SERVING));
    }

    @Test
    void everyRequestStaysInTheCallersZoneWhileItIsHealthy() {
        MeshSnapshot s =
                threeAndTwo(EndpointStatus.SERVING, EndpointStatus.SERVING, EndpointStatus.SERVING);

        assertThat(zones(selector("a"), s, 1000)).containsExactly(Map.entry("a", 1000));
        assertThat(zones(selector("b"), s, 1000)).containsExactly(Map.entry("b", 1000));
    }

    @Test
    void aZoneWithTwoOfThreeHealthyStillTakesAbout93PercentAndTheRestSpillsOver() {
        MeshSnapshot s =
                threeAndTwo(
                        EndpointStatus.SERVING, EndpointStatus.SERVING, EndpointStatus.NOT_SERVING);

        Map<String, Integer> picks = zones(selector("a"), s, 4000);

        // 1.4 × 2/3 = 0.933 of the requests stay in zone a.
        assertThat(picks.get("a")).isBetween(3650, 3810);
        assertThat(picks.get("b")).isBetween(190, 350);
    }

    @Test
    void aZoneWithOneOfThreeHealthyKeepsAboutHalfAndAnEmptyZoneSpillsEverything() {
        MeshSnapshot oneLeft =
                threeAndTwo(
                        EndpointStatus.SERVING,
                        EndpointStatus.NOT_SERVING,
                        EndpointStatus.DRAINING);
        Map<String, Integer> picks = zones(selector("a"), oneLeft, 4000);
        // 1.4 × 1/3 = 0.467
        assertThat(picks.get("a")).isBetween(1750, 1980);

        MeshSnapshot none =
                threeAndTwo(
                        EndpointStatus.NOT_SERVING,
                        EndpointStatus.NOT_SERVING,
                        EndpointStatus.NOT_SERVING);
        assertThat(zones(selector("a"), none, 500)).containsExactly(Map.entry("b", 500));
    }

    @Test
    void
            anEjectedLocalEndpointCountsAsUnhealthyAndARetryLeavesTheZoneWhenItsOnlyEndpointWasTried() {
        MeshSnapshot s =
                snapshot(
                        endpoint("a1", "a", EndpointStatus.SERVING),
                        endpoint("b1", "b", EndpointStatus.SERVING));
        EndpointSelector selector = selector("a");

        assertThat(((Chosen) selector.pick(s, "orders", Set.of("a1/orders"))).endpoint().node())
                .isEqualTo("b1");
        ejections.eject("a1/orders");
        assertThat(zones(selector, s, 200)).containsExactly(Map.entry("b", 200));
    }

    @Test
    void aNodeWithoutAZoneOrAServiceWithoutZoneLabelsIsBalancedAsAWhole() {
        MeshSnapshot zoned =
                threeAndTwo(EndpointStatus.SERVING, EndpointStatus.SERVING, EndpointStatus.SERVING);
        assertThat(zones(selector(""), zoned, 500)).containsOnlyKeys("a", "b");

        MeshSnapshot unlabelled =
                snapshot(
                        endpoint("x1", null, EndpointStatus.SERVING),
                        endpoint("x2", "c", EndpointStatus.SERVING));
        assertThat(zones(selector("a"), unlabelled, 500)).containsOnlyKeys("-", "c");
    }
}
