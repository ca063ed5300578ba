package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
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
 * {@code v1} and {@code v2}, which name themselves in {@code x-instance} and stall on
 * {@code x-delay-v1: <ms>} (see {@link InstanceUpstream}).
 */
class DestinationPolicyRoutingTest {

    private static final String POLICIES = """
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
    private static ServerSocket full;
    private static final List<Socket> fillers = new ArrayList<>();
    private static NodeSettings settings;
    private static DataPlane dataPlane;

    @BeforeAll
    static void start() throws IOException {
        v1 = InstanceUpstream.start("v1");
        v2 = InstanceUpstream.start("v2");
        full = fullListener();
        int[] ports = TestPorts.free(3);
        settings = SettingsLoader.fromConfig(ConfigFactory.parseString("""
                rhizome.node.name = node-a
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                rhizome.proxy.connect-timeout = 10s
                """.formatted(ports[0], ports[1], ports[2])));
        Map<String, List<MeshEndpoint>> services = new HashMap<>();
        for (String service : List.of("ring", "least", "random", "limited", "plain")) {
            services.put(service, List.of(endpoint(service, "v1", v1.address(), Map.of()),
                    endpoint(service, "v2", v2.address(), Map.of())));
        }
        services.put("weighted", List.of(endpoint("weighted", "v1", v1.address(), Map.of("weight", "3")),
                endpoint("weighted", "v2", v2.address(), Map.of("weight", "1"))));
        services.put("blackhole", List.of(endpoint("blackhole", "v1",
                new HostPort("127.0.0.1", full.getLocalPort()), Map.of())));
        MeshView view = new MeshView();
        view.publish(new MeshSnapshot(services, List.of()));
        dataPlane = DataPlane.create(settings, view, new EndpointSelector(EjectionTracker.create()), PolicyViews.fromHocon(POLICIES));
        dataPlane.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (dataPlane != null) {
            dataPlane.stop(Duration.ZERO);
        }
        for (AutoCloseable c : new AutoCloseable[] {v1, v2, full}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing anyway
            }
        }
        for (Socket s : fillers) {
            s.close();
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
                counts.merge(instance(get(conn, "least", "/", "x-delay-v1", "100")), 1, Integer::sum);
            }
        }

        assertThat(counts.getOrDefault("v2", 0)).as("the fast instance's share of 200 in %s", counts).isGreaterThan(150);
    }

    @Test
    void weightedRoundRobinFollowsTheWeightLabel() throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (RawHttp conn = connect()) {
            for (int i = 0; i < 400; i++) {
                counts.merge(instance(get(conn, "weighted", "/")), 1, Integer::sum);
            }
        }

        assertThat(counts.getOrDefault("v1", 0)).as("v1's share of 400 in %s", counts).isBetween(280, 320);
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
            assertThat(seen.get(i)).as("request %d after %s", i, seen.get(i - 1)).isNotEqualTo(seen.get(i - 1));
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
                conn.send(head("GET", "limited", "/slow", "x-delay-v1", "500", "x-delay-v2", "500") + "\r\n");
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

        assertThat(statuses.getOrDefault(200, 0)).as("statuses %s", statuses).isGreaterThanOrEqualTo(2);
        assertThat(statuses.getOrDefault(503, 0)).as("statuses %s", statuses).isGreaterThanOrEqualTo(1);
        assertThat(statuses.getOrDefault(200, 0) + statuses.getOrDefault(503, 0)).isEqualTo(6);
        assertThat(errors).containsOnly("overflow");
        assertThat(v1.received("GET /slow") + v2.received("GET /slow"))
                .as("requests turned away are not sent upstream").isEqualTo((long) statuses.get(200));
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
        assertThat(millis).as("the node's own connect timeout is 10s; the policy's 200ms").isLessThan(5_000);
    }

    // ------------------------------------------------------------------ fixtures

    /**
     * A listener on this machine that completes no more handshakes: backlog 1, never accepting, its
     * queue filled by a few connections of our own, so a new connection attempt hangs until it times out.
     */
    private static ServerSocket fullListener() throws IOException {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 8; i++) {
            Socket c = new Socket();
            try {
                c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()), 200);
                fillers.add(c);
            } catch (IOException e) {
                c.close(); // the queue is full
                break;
            }
        }
        return s;
    }

    private static MeshEndpoint endpoint(String service, String version, HostPort at, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put("version", version);
        return new MeshEndpoint("node-" + version + "/" + service, service, "node-" + version, at, at, all,
                EndpointStatus.SERVING, true, true, "Up");
    }


    private static RawHttp connect() throws IOException {
        return RawHttp.connect(settings.outbound().address().port());
    }

    private static RawHttp.Response get(RawHttp conn, String service, String path, String... headers) throws IOException {
        return conn.send(head("GET", service, path, headers) + "\r\n").read();
    }

    private static String head(String method, String service, String path, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(service).append("\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return b.toString();
    }

    private static String instance(RawHttp.Response r) {
        assertThat(r.header("x-instance")).as("x-instance of %d %s", r.status(), r.text()).isNotNull();
        return r.header("x-instance");
    }
}
