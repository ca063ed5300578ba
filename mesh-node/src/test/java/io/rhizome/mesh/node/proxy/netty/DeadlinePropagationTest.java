package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deadline propagation on real sockets: node A's outbound side forwards to node B's inbound port,
 * whose local instance is an {@link InstanceUpstream} (it answers after {@code x-delay-slow} ms,
 * echoes the headers it got, and reports when the mesh abandons a request).
 */
class DeadlinePropagationTest {

    private static final String POLICIES_A =
            """
            resources = [
              { kind = Route, name = slow, spec { service = slow, rules = [ { timeout = 300ms } ] } }
              { kind = Route, name = peek, spec { service = peek, rules = [ { timeout = 300ms } ] } }
            ]
            """;

    private static InstanceUpstream instance;
    private static TestDataPlane a;
    private static TestDataPlane b;
    private static final List<RequestRecord> recordsB = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("slow");
        b =
                TestDataPlane.builder()
                        .node("node-b")
                        .service("slow", instance.address())
                        .closing(instance)
                        .start();
        b.dataPlane().observers().register(recordsB::add);
        // "peek" is a remote endpoint whose "inbound port" is the instance itself: it shows what A
        // sends a peer.
        a =
                TestDataPlane.builder()
                        .endpoints(
                                "slow",
                                TestDataPlane.remote(
                                        "node-b",
                                        "slow",
                                        instance.address(),
                                        b.settings().inbound()))
                        .endpoints(
                                "peek",
                                TestDataPlane.remote(
                                        "node-b", "peek", instance.address(), instance.address()))
                        .policies(POLICIES_A)
                        .start();
    }

    @AfterAll
    static void stop() {
        for (TestDataPlane node : new TestDataPlane[] {a, b}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aRouteTimeoutReachesTheNextHopWhichAbandonsTheSlowInstanceInTime() throws Exception {
        instance.abandoned().clear();
        long start = System.nanoTime();
        RawHttp.Response r;
        try (RawHttp conn = RawHttp.connect(a.outboundPort())) {
            r = conn.send("GET /route HTTP/1.1\r\nHost: slow\r\nx-delay-slow: 3000\r\n\r\n").read();
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).as(r.text()).isEqualTo(504);
        assertThat(r.header("x-rhizome-error")).isEqualTo("timeout");
        assertThat(tookMs).isBetween(280L, 1500L);
        // The instance's connection is closed long before it would have answered (3 s).
        String path = instance.abandoned().poll(2, TimeUnit.SECONDS);
        assertThat(path).isEqualTo("GET /route");
        assertThat(instance.receivedWithHeader("x-rhizome-deadline-ms"))
                .doesNotContain("GET /route");
    }

    @Test
    void theOutboundSideSendsThePeerTheRemainingMilliseconds() throws Exception {
        try (RawHttp conn = RawHttp.connect(a.outboundPort())) {
            RawHttp.Response r = conn.send("GET /echo HTTP/1.1\r\nHost: peek\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            String sentLine =
                    r.text()
                            .lines()
                            .filter(l -> l.startsWith("x-rhizome-deadline-ms: "))
                            .findFirst()
                            .orElseThrow();
            long sent = Long.parseLong(sentLine.substring("x-rhizome-deadline-ms: ".length()));
            assertThat(sent).isBetween(1L, 300L);
        }
    }

    @Test
    void theLocalAppsOwnDeadlineHeaderBoundsTheRequestAndTravelsOn() throws Exception {
        instance.abandoned().clear();
        long start = System.nanoTime();
        try (RawHttp conn = RawHttp.connect(a.outboundPort())) {
            // Shorter than the Route's 300 ms timeout: the app's deadline is the one that ends the
            // request.
            RawHttp.Response r =
                    conn.send(
                                    "GET /app HTTP/1.1\r\nHost: slow\r\nx-delay-slow: 3000\r\n"
                                            + "x-rhizome-deadline-ms: 100\r\n\r\n")
                            .read();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).contains("(the caller's x-rhizome-deadline-ms)");
            assertThat(tookMs).isBetween(90L, 1000L);
        }
        assertThat(instance.abandoned().poll(2, TimeUnit.SECONDS)).isEqualTo("GET /app");
    }

    @Test
    void theInboundPortAnswers504WhenTheCallersDeadlinePassesAndAbandonsTheInstance()
            throws Exception {
        instance.abandoned().clear();
        recordsB.clear();
        long start = System.nanoTime();
        try (RawHttp conn = RawHttp.connect(b.inboundPort())) {
            RawHttp.Response r =
                    conn.send(
                                    "GET /direct HTTP/1.1\r\nHost: slow\r\nx-delay-slow: 1000\r\n"
                                            + "x-rhizome-deadline-ms: 200\r\n\r\n")
                            .read();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("x-rhizome-error")).isEqualTo("timeout");
            assertThat(tookMs).isBetween(180L, 600L);

            // The connection stays usable; an expired deadline is refused at once, nothing
            // forwarded.
            long before = System.nanoTime();
            RawHttp.Response expired =
                    conn.send(
                                    "GET /expired HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 0\r\n\r\n")
                            .read();
            assertThat(expired.status()).isEqualTo(504);
            assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(150L);
        }
        assertThat(instance.abandoned().poll(2, TimeUnit.SECONDS)).isEqualTo("GET /direct");
        assertThat(instance.received()).doesNotContain("GET /expired");
        assertThat(instance.receivedWithHeader("x-rhizome-deadline-ms"))
                .doesNotContain("GET /direct");
        // B itself timed the request out (not its caller going away).
        assertThat(recordsB)
                .anySatisfy(
                        rec -> {
                            assertThat(rec.path()).isEqualTo("/direct");
                            assertThat(RequestFlags.has(rec.flags(), "timeout")).isTrue();
                        });
    }

    @Test
    void aMalformedDeadlineIs400NamingTheHeaderAndTheExpectedForm() throws Exception {
        try (RawHttp conn = RawHttp.connect(b.inboundPort())) {
            RawHttp.Response r =
                    conn.send(
                                    "GET /bad HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 1.5s\r\n\r\n")
                            .read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("x-rhizome-error")).isEqualTo("bad-request");
            assertThat(r.text())
                    .contains(
                            "x-rhizome-deadline-ms: \"1.5s\" (expected: an integer number of milliseconds, 1..3600000)");
        }
        assertThat(instance.received()).doesNotContain("GET /bad");
    }

    @Test
    void aDeadlineLongEnoughLetsTheAnswerThroughWithoutTheHeader() throws Exception {
        try (RawHttp conn = RawHttp.connect(b.inboundPort())) {
            RawHttp.Response r =
                    conn.send(
                                    "GET /fine HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 2000\r\n\r\n")
                            .read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(instance.received()).contains("GET /fine");
        assertThat(instance.receivedWithHeader("x-rhizome-deadline-ms"))
                .doesNotContain("GET /fine");
    }
}
