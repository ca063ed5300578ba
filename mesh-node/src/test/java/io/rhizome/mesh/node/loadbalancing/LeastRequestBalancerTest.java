package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Discrete-event simulations on a manual clock: closed-loop callers each send a request, wait for
 * its simulated completion and send the next. No threads, no sleeps, same result every run.
 */
class LeastRequestBalancerTest {
    private static final long FAST = TimeUnit.MILLISECONDS.toNanos(10);

    private final AtomicLong now = new AtomicLong();
    private final EndpointStats stats = EndpointStats.create(now::get);
    private final SplittableRandom random = new SplittableRandom(2026);
    private final LoadBalancer balancer = new LeastRequestBalancer(stats, () -> random);

    /** How an endpoint answers: after {@code latencyNanos}, successfully or not. */
    private record Behaviour(long latencyNanos, boolean fails) {}

    private record Completion(long at, long seq, Outstanding handle, boolean fails) {}

    private Map<String, Integer> simulate(
            List<MeshEndpoint> candidates,
            Map<String, Behaviour> behaviours,
            int callers,
            int requests) {
        PriorityQueue<Completion> queue =
                new PriorityQueue<>(
                        (a, b) ->
                                a.at != b.at
                                        ? Long.compare(a.at, b.at)
                                        : Long.compare(a.seq, b.seq));
        Map<String, Integer> counts = new HashMap<>();
        long seq = 0;
        int sent = 0;
        for (; sent < callers; sent++) {
            queue.add(send(candidates, behaviours, counts, seq++));
        }
        while (!queue.isEmpty()) {
            Completion c = queue.poll();
            now.set(c.at);
            if (c.fails) {
                c.handle.failure();
            } else {
                c.handle.success();
            }
            if (sent++ < requests) {
                queue.add(send(candidates, behaviours, counts, seq++));
            }
        }
        return counts;
    }

    private Completion send(
            List<MeshEndpoint> candidates,
            Map<String, Behaviour> behaviours,
            Map<String, Integer> counts,
            long seq) {
        MeshEndpoint e = balancer.pick(candidates, PickContext.NONE);
        counts.merge(e.id(), 1, Integer::sum);
        Behaviour b = behaviours.get(e.id());
        // +-10% jitter so callers do not move in lockstep.
        long latency =
                b.latencyNanos
                        + (b.latencyNanos == 0
                                ? 0
                                : random.nextLong(b.latencyNanos / 5) - b.latencyNanos / 10);
        return new Completion(now.get() + latency, seq, stats.start(e.id()), b.fails);
    }

    @Test
    void aTenTimesSlowerEndpointGetsLittleTraffic() {
        List<MeshEndpoint> candidates = endpoints(4);
        Map<String, Behaviour> behaviours =
                Map.of(
                        "node-a/orders", new Behaviour(FAST, false),
                        "node-b/orders", new Behaviour(FAST, false),
                        "node-c/orders", new Behaviour(10 * FAST, false),
                        "node-d/orders", new Behaviour(FAST, false));

        Map<String, Integer> counts = simulate(candidates, behaviours, 8, 10_000);

        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(counts.get("node-c/orders") / (double) total).isLessThanOrEqualTo(0.15);
        assertThat(counts.get("node-a/orders") / (double) total).isGreaterThan(0.25);
        assertThat(stats.inflight("node-c/orders")).isZero();
    }

    @Test
    void anEndpointThatFailsAtOnceDoesNotAttractTraffic() {
        List<MeshEndpoint> candidates = endpoints(4);
        Map<String, Behaviour> behaviours =
                Map.of(
                        "node-a/orders", new Behaviour(FAST, false),
                        "node-b/orders", new Behaviour(0, true),
                        "node-c/orders", new Behaviour(FAST, false),
                        "node-d/orders", new Behaviour(FAST, false));

        Map<String, Integer> counts = simulate(candidates, behaviours, 8, 10_000);

        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(counts.getOrDefault("node-b/orders", 0) / (double) total)
                .isLessThanOrEqualTo(0.15);
    }

    @Test
    void withEqualLatencyTheEndpointWithFewerRequestsInFlightWins() {
        List<MeshEndpoint> two = endpoints(2);
        stats.start("node-a/orders").success(FAST);
        stats.start("node-b/orders").success(FAST);
        stats.start("node-a/orders");
        stats.start("node-a/orders");

        for (int i = 0; i < 20; i++) {
            assertThat(balancer.pick(two, PickContext.NONE).id()).isEqualTo("node-b/orders");
        }
    }

    @Test
    void aNewEndpointTakesOneProbeAtATimeUntilItAnswers() {
        List<MeshEndpoint> two = endpoints(2);
        stats.start("node-a/orders").success(FAST);
        stats.start("node-a/orders");
        stats.start("node-b/orders"); // in flight, never answered yet

        assertThat(balancer.pick(two, PickContext.NONE).id()).isEqualTo("node-a/orders");
    }
}
