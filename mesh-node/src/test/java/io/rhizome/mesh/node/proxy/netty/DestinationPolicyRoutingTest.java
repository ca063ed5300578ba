package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DestinationPolicies on the request path, on real sockets: each service has two local instances,
 * {@code v1} and {@code v2}, which name themselves in {@code x-instance} and stall on {@code
 * x-delay-v1: <ms>} (see {@link InstanceUpstream}).
 */
class DestinationPolicyRoutingTest {

    private static final String POLICIES =
            """
            resources = [
              { kind = DestinationPolicy, name = ring, spec { service = ring, load-balancer = ring-hash,
                                                              hash-on { header = x-user } } }
              { kind = DestinationPolicy, name = least, spec { service = least, load-balancer = least-request } }
              { kind = DestinationPolicy, name = weighted, spec { service = weighted, load-balancer = weighted-round-robin } }
              { kind = DestinationPolicy, name = random, spec { service = random, load-balancer = random } }
              { kind = DestinationPolicy, name = limited, spec { service = limited, circuit-breaker { max-requests = 2 } } }
              { kind = DestinationPolicy, name = blackhole, spec { service = blackhole, connect-timeout = 200ms } }
            ]
            """;

    private static InstanceUpstream v1;
    private static InstanceUpstream v2;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        v1 = InstanceUpstream.start("v1");
        v2 = InstanceUpstream.start("v2");
        FullListener full = FullListener.start();
        TestDataPlane.Builder b =
                TestDataPlane.builder().config("rhizome.proxy.connect-timeout = 10s");
        for (String service : List.of("ring", "least", "random", "limited", "plain")) {
            b.endpoints(
                    service,
                    endpoint(service, "v1", v1.address(), Map.of()),
                    endpoint(service, "v2", v2.address(), Map.of()));
        }
        b.endpoints(
                "weighted",
                endpoint("weighted", "v1", v1.address(), Map.of("weight", "3")),
                endpoint("weighted", "v2", v2.address(), Map.of("weight", "1")));
        b.endpoints("blackhole", endpoint("blackhole", "v1", full.address(), Map.of()));
        node = b.policies(POLICIES).closing(v1, v2, full).start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void ringHashSendsOneUserToOneInstanceAndSpreadsUsers() throws IOException {
        Set<String> forAlice = new HashSet<>();
        Set<String> forUsers = new HashSet<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 50; i++) {
                forAlice.add(instance(get(conn, "ring", "/a?i=" + i, "x-user", "alice")));
            }
            for (int i = 0; i < 40; i++) {
                forUsers.add(instance(get(conn, "ring", "/u", "x-user", "user-" + i)));
            }
        }

        assertThat(forAlice).hasSize(1);
        assertThat(forUsers).containsExactlyInAnyOrder("v1", "v2");
    }

    @Test
    void leastRequestSendsMostRequestsToTheFastInstance() throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 20; i++) {
                instance(get(conn, "least", "/warm", "x-delay-v1", "100"));
            }
            for (int i = 0; i < 200; i++) {
                counts.merge(
                        instance(get(conn, "least", "/", "x-delay-v1", "100")), 1, Integer::sum);
            }
        }

        assertThat(counts.getOrDefault("v2", 0))
                .as("the fast instance's share of 200 in %s", counts)
                .isGreaterThan(150);
    }

    @Test
    void weightedRoundRobinFollowsTheWeightLabel() throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 400; i++) {
                counts.merge(instance(get(conn, "weighted", "/")), 1, Integer::sum);
            }
        }

        assertThat(counts.getOrDefault("v1", 0))
                .as("v1's share of 400 in %s", counts)
                .isBetween(280, 320);
    }

    @Test
    void randomReachesBothInstances() throws IOException {
        Set<String> seen = new HashSet<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 50; i++) {
                seen.add(instance(get(conn, "random", "/")));
            }
        }

        assertThat(seen).containsExactlyInAnyOrder("v1", "v2");
    }

    @Test
    void aServiceWithoutAPolicyStillRoundRobins() throws IOException {
        List<String> seen = new ArrayList<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 6; i++) {
                seen.add(instance(get(conn, "plain", "/")));
            }
        }

        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i))
                    .as("request %d after %s", i, seen.get(i - 1))
                    .isNotEqualTo(seen.get(i - 1));
        }
    }

    @Test
    void maxRequestsTurnsAwayRequestsBeyondTheLimitAt503Overflow() throws IOException {
        List<RawHttp> conns = new ArrayList<>();
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                RawHttp conn = connect();
                conns.add(conn);
                conn.send(
                        head("GET", "limited", "/slow", "x-delay-v1", "500", "x-delay-v2", "500")
                                + "\r\n");
            }
            for (RawHttp conn : conns) {
                RawHttp.Response r = conn.read();
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() == 503) {
                    errors.add(r.header("x-rhizome-error"));
                }
            }
        } finally {
            for (RawHttp conn : conns) {
                conn.close();
            }
        }

        assertThat(statuses.getOrDefault(200, 0))
                .as("statuses %s", statuses)
                .isGreaterThanOrEqualTo(2);
        assertThat(statuses.getOrDefault(503, 0))
                .as("statuses %s", statuses)
                .isGreaterThanOrEqualTo(1);
        assertThat(statuses.getOrDefault(200, 0) + statuses.getOrDefault(503, 0)).isEqualTo(6);
        assertThat(errors).containsOnly("overflow");
        assertThat(v1.received("GET /slow") + v2.received("GET /slow"))
                .as("requests turned away are not sent upstream")
                .isEqualTo((long) statuses.get(200));
    }

    @Test
    void theConnectTimeoutOfThePolicyAppliesPerConnectionAttempt() throws IOException {
        long start = System.nanoTime();
        RawHttp.Response r;
        try (RawHttp conn = connect()) {
            r = get(conn, "blackhole", "/");
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("x-rhizome-error")).isEqualTo("upstream-connect-failure");
        assertThat(r.text()).contains("connect timed out");
        assertThat(millis)
                .as("the node's own connect timeout is 10s; the policy's 200ms")
                .isLessThan(5_000);
    }

    // ------------------------------------------------------------------ fixtures

    private static MeshEndpoint endpoint(
            String service, String version, HostPort at, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put("version", version);
        return TestDataPlane.local("node-" + version, service, at, at, all);
    }

    private static RawHttp connect() throws IOException {
        return RawHttp.connect(node.outboundPort());
    }

    private static RawHttp.Response get(
            RawHttp conn, String service, String path, String... headers) throws IOException {
        return conn.send(head("GET", service, path, headers) + "\r\n").read();
    }

    private static String head(String method, String service, String path, String... headers) {
        StringBuilder b =
                new StringBuilder(method)
                        .append(' ')
                        .append(path)
                        .append(" HTTP/1.1\r\nHost: ")
                        .append(service)
                        .append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return b.toString();
    }

    private static String instance(RawHttp.Response r) {
        assertThat(r.header("x-instance"))
                .as("x-instance of %d %s", r.status(), r.text())
                .isNotNull();
        return r.header("x-instance");
    }
}
