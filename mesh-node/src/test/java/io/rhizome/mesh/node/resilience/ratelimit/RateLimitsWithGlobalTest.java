package io.rhizome.mesh.node.resilience.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.policy.PolicyViews;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A {@code global = true} limit on one node of a service with four instances. */
class RateLimitsWithGlobalTest {
    private final AtomicLong now = new AtomicLong();
    private final RateLimits limits =
            RateLimits.create(
                    PolicyViews.fromHocon(
                            """
            { kind = RateLimit, name = g, spec { service = orders, requests-per-second = 20, global = true } }
            """),
                    now::get,
                    service -> 4);

    private int admittedOf(int n) {
        int admitted = 0;
        for (int i = 0; i < n; i++) {
            if (limits.admit("orders", null, null) == RateLimitDecision.ADMITTED) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void beforeAnyGossipANodeEnforcesItsInstancesShareAndCountsWhatItSees() {
        assertThat(admittedOf(20)).as("a quarter of the burst of 20").isEqualTo(5);
        now.addAndGet(1_000_000_000L);
        assertThat(admittedOf(20)).as("a quarter of 20 per second").isEqualTo(5);

        assertThat(limits.globalLimits()).containsExactly(Map.entry("g", "orders"));
        assertThat(limits.globalShares().drainCounts()).containsExactly(Map.entry("g", 40L));
        assertThat(limits.globalShares().drainCounts()).containsExactly(Map.entry("g", 0L));
    }

    @Test
    void aPublishedShareScalesTheBucket() {
        limits.globalShares().publish(Map.of("g", 0.5));

        assertThat(admittedOf(20)).isEqualTo(10);
        now.addAndGet(500_000_000L);
        assertThat(admittedOf(20)).as("half of 20 per second for half a second").isEqualTo(5);
    }

    @Test
    void sharesFollowEachNodesTrafficAndAddUpToAboutTheLimit() {
        // Node rates 30 and 10 requests per second over two nodes.
        double busy = GlobalShares.share(30, 40, 2);
        double quiet = GlobalShares.share(10, 40, 2);

        assertThat(busy).isBetween(0.73, 0.75);
        assertThat(quiet).isBetween(0.25, 0.27);
        assertThat(busy + quiet).isBetween(0.95, 1.0);
        assertThat(GlobalShares.share(0, 0, 3))
                .as("no traffic anywhere: an even split")
                .isBetween(0.33, 0.34);
    }
}
