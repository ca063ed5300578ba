package io.rhizome.mesh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TestSupportTest {

    @Test
    void freePortsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        int[] ports = FreePorts.next(20);

        assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(20);
        for (int port : ports) {
            assertThat(port).isBetween(20_000, 31_999);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }
    }

    @Test
    void withinRetriesUntilTheCheckPasses() throws Exception {
        AtomicInteger calls = new AtomicInteger();

        Eventually.within(
                Duration.ofSeconds(5),
                () -> assertThat(calls.incrementAndGet()).isGreaterThanOrEqualTo(3));

        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void withinThrowsTheLastFailureOnceTimeIsUp() {
        long start = System.nanoTime();

        assertThatThrownBy(
                        () ->
                                Eventually.within(
                                        Duration.ofMillis(200),
                                        () -> assertThat("never").isEqualTo("ready")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ready");
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    @Test
    void untilNamesWhatItWaitedFor() {
        assertThatThrownBy(
                        () ->
                                Eventually.until(
                                        "the door opens", Duration.ofMillis(100), () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessage("not within 100 ms: the door opens");
    }
}
