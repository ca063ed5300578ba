package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.protocol.v1.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridClockTest {
    private final AtomicLong wall = new AtomicLong(1_000);

    @Test
    void versionsAlwaysIncreaseEvenWhenTheWallClockStandsStillOrGoesBack() {
        HybridClock clock = new HybridClock("a", wall::get);
        List<Version> issued = new ArrayList<>();
        issued.add(clock.next());
        issued.add(clock.next());
        wall.set(500); // the wall clock steps back
        issued.add(clock.next());
        wall.set(2_000);
        issued.add(clock.next());
        for (int i = 1; i < issued.size(); i++) {
            assertThat(Versions.compare(issued.get(i), issued.get(i - 1)))
                    .as("version %d after %d", i, i - 1)
                    .isPositive();
        }
        assertThat(issued.get(1).getLogical()).isEqualTo(1);
        assertThat(issued.get(3).getPhysicalMillis()).isEqualTo(2_000);
        assertThat(issued.get(3).getLogical()).isZero();
    }

    @Test
    void aChangeMadeAfterSeeingANewerVersionWinsOverItDespiteClockSkew() {
        HybridClock behind = new HybridClock("slow", () -> 1_000);
        Version fromTheFuture =
                Version.newBuilder().setPhysicalMillis(9_000).setLogical(3).setNode("fast").build();
        behind.observe(fromTheFuture);
        Version next = behind.next();
        assertThat(Versions.isNewer(next, fromTheFuture)).isTrue();
        assertThat(next.getNode()).isEqualTo("slow");
    }

    @Test
    void concurrentVersionsOfTwoNodesHaveOneOrderEverywhere() {
        Version a =
                Version.newBuilder().setPhysicalMillis(5).setLogical(0).setNode("node-1").build();
        Version b =
                Version.newBuilder().setPhysicalMillis(5).setLogical(0).setNode("node-2").build();
        assertThat(Versions.compare(a, b)).isNegative();
        assertThat(Versions.compare(b, a)).isPositive();
        assertThat(Versions.timestamp(a)).isEqualTo(Versions.timestamp(b));
        assertThat(
                        Versions.timestamp(
                                Version.newBuilder().setPhysicalMillis(5).setLogical(1).build()))
                .isGreaterThan(Versions.timestamp(a));
        assertThat(Versions.format(a)).isEqualTo("5.0@node-1");
    }
}
