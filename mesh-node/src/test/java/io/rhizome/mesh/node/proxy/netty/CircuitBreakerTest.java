package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker's {@code max-connections} and {@code max-pending} on real sockets; each
 * service has its own instance so that pooled connections of one never count for another.
 */
@Tag("slow") // several seconds: real clusters or nodes
class CircuitBreakerTest {

    private static final String POLICIES =
            """
            resources = [
              { kind = DestinationPolicy, name = queued, spec { service = queued, connect-timeout = 3s,
                                                                circuit-breaker { max-connections = 2 } } }
              { kind = DestinationPolicy, name = tight, spec { service = tight, connect-timeout = 300ms,
                                                               circuit-breaker { max-connections = 1 } } }
              { kind = DestinationPolicy, name = pending, spec { service = pending, connect-timeout = 1500ms,
                                                                 circuit-breaker { max-pending = 1 } } }
            ]
            """;

    private static InstanceUpstream queued;
    private static InstanceUpstream tight;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        queued = InstanceUpstream.start("q");
        tight = InstanceUpstream.start("t");
        FullListener full = FullListener.start();
        node =
                TestDataPlane.builder()
                        .endpoints("queued", endpoint("queued", queued.address()))
                        .endpoints("tight", endpoint("tight", tight.address()))
                        .endpoints("pending", endpoint("pending", full.address()))
                        .policies(POLICIES)
                        .closing(queued, tight, full)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void maxConnectionsQueuesRequestsUntilAConnectionFrees() throws IOException {
        long start = System.nanoTime();
        Map<Integer, Integer> statuses = concurrently(6, "queued", "x-delay-q", "200");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(statuses).as("statuses").containsExactly(Map.entry(200, 6));
        assertThat(queued.peakInFlight()).as("requests the instance handled at once").isEqualTo(2);
        assertThat(millis).as("six 200ms requests two at a time").isGreaterThanOrEqualTo(590);
    }

    @Test
    void maxConnectionsTurnsAwayARequestThatWaitedTheConnectTimeoutWith503Overflow()
            throws IOException {
        long start = System.nanoTime();
        List<RawHttp> conns = new ArrayList<>();
        List<RawHttp.Response> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                conns.add(send("tight", "x-delay-t", "1500"));
            }
            // The two turned away answer first, long before the one let through.
            for (int i = 1; i < 3; i++) {
                answers.add(conns.get(i).read());
            }
            long overflowMillis = (System.nanoTime() - start) / 1_000_000;
            answers.add(conns.get(0).read());
            assertThat(overflowMillis)
                    .as("turned away after the 300ms connect timeout, not the 1500ms response")
                    .isLessThan(1200);
        } finally {
            for (RawHttp c : conns) {
                c.close();
            }
        }

        assertThat(answers.subList(0, 2))
                .allSatisfy(
                        r -> {
                            assertThat(r.status()).isEqualTo(503);
                            assertThat(r.header("x-rhizome-error")).isEqualTo("overflow");
                            assertThat(r.text()).contains("max-connections");
                        });
        assertThat(answers.get(2).status()).isEqualTo(200);
        assertThat(tight.received()).as("nothing turned away was sent upstream").hasSize(1);
    }

    @Test
    void maxPendingTurnsAwayARequestAtOnceWhileAnotherWaitsForItsConnection() throws IOException {
        try (RawHttp first = send("pending");
                RawHttp second = connect()) {
            // The first request is still connecting (the listener never completes the handshake).
            long start = System.nanoTime();
            RawHttp.Response turnedAway = second.send(head("pending") + "\r\n").read();
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(turnedAway.status()).isEqualTo(503);
            assertThat(turnedAway.header("x-rhizome-error")).isEqualTo("overflow");
            assertThat(turnedAway.text()).contains("max-pending");
            assertThat(millis).as("fast").isLessThan(500);
            RawHttp.Response waited = first.read();
            assertThat(waited.status()).isEqualTo(502);
            assertThat(waited.header("x-rhizome-error")).isEqualTo("upstream-connect-failure");
        }
    }

    // ------------------------------------------------------------------ fixtures

    private static Map<Integer, Integer> concurrently(int n, String service, String... headers)
            throws IOException {
        List<RawHttp> conns = new ArrayList<>();
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        try {
            for (int i = 0; i < n; i++) {
                conns.add(send(service, headers));
            }
            for (RawHttp c : conns) {
                statuses.merge(c.read().status(), 1, Integer::sum);
            }
        } finally {
            for (RawHttp c : conns) {
                c.close();
            }
        }
        return statuses;
    }

    private static RawHttp send(String service, String... headers) throws IOException {
        return connect().send(head(service, headers) + "\r\n");
    }

    private static RawHttp connect() throws IOException {
        return RawHttp.connect(node.outboundPort());
    }

    private static String head(String service, String... headers) {
        StringBuilder b =
                new StringBuilder("GET / HTTP/1.1\r\nHost: ").append(service).append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return b.toString();
    }

    private static MeshEndpoint endpoint(String service, HostPort at) {
        return TestDataPlane.local("node-x", service, at, at, Map.of());
    }
}
