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
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deadline propagation on real sockets: node A's outbound side forwards to node B's inbound port,
 * whose local instance is {@link SlowInstance} (it answers after {@code x-delay} ms, or echoes the
 * deadline header it got on {@code /echo}, and reports when the mesh abandons a request).
 */
class DeadlinePropagationTest {

    private static final String POLICIES_A = """
            resources = [
              { kind = Route, name = slow, spec { service = slow, rules = [ { timeout = 300ms } ] } }
              { kind = Route, name = peek, spec { service = peek, rules = [ { timeout = 300ms } ] } }
            ]
            """;

    private static SlowInstance instance;
    private static NodeSettings a;
    private static NodeSettings b;
    private static DataPlane nodeA;
    private static DataPlane nodeB;
    private static final List<RequestRecord> recordsB = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        instance = SlowInstance.start();
        int[] ports = TestPorts.free(6);
        a = settings("node-a", ports[0], ports[1], ports[2], "");
        b = settings("node-b", ports[3], ports[4], ports[5],
                "rhizome.services = [ { name = slow, address = \"" + instance.address() + "\" } ]");
        MeshView viewA = new MeshView();
        // "peek" is a remote endpoint whose "inbound port" is the instance itself: it shows what A sends a peer.
        viewA.publish(new MeshSnapshot(Map.of(
                "slow", List.of(remote("slow", b.inbound())),
                "peek", List.of(remote("peek", instance.address()))), List.of()));
        nodeA = DataPlane.create(a, viewA, new EndpointSelector(EjectionTracker.create()), PolicyViews.fromHocon(POLICIES_A));
        nodeA.start();
        nodeB = DataPlane.create(b, new MeshView(), new EndpointSelector(EjectionTracker.create()),
                PolicyViews.fromHocon("resources = []"));
        nodeB.observers().register(recordsB::add);
        nodeB.start();
    }

    @AfterAll
    static void stop() throws IOException {
        for (DataPlane d : new DataPlane[] {nodeA, nodeB}) {
            if (d != null) {
                d.stop(Duration.ZERO);
            }
        }
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void aRouteTimeoutReachesTheNextHopWhichAbandonsTheSlowInstanceInTime() throws Exception {
        instance.abandoned.clear();
        long start = System.nanoTime();
        RawHttp.Response r;
        try (RawHttp conn = RawHttp.connect(a.outbound().address().port())) {
            r = conn.send("GET /route HTTP/1.1\r\nHost: slow\r\nx-delay: 3000\r\n\r\n").read();
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).as(r.text()).isEqualTo(504);
        assertThat(r.header("x-rhizome-error")).isEqualTo("timeout");
        assertThat(tookMs).isBetween(280L, 1500L);
        // The instance's connection is closed long before it would have answered (3 s).
        String path = instance.abandoned.poll(2, TimeUnit.SECONDS);
        assertThat(path).isEqualTo("/route");
        assertThat(instance.deadlineHeaders).doesNotContain("/route");
    }

    @Test
    void theOutboundSideSendsThePeerTheRemainingMilliseconds() throws Exception {
        try (RawHttp conn = RawHttp.connect(a.outbound().address().port())) {
            RawHttp.Response r = conn.send("GET /echo HTTP/1.1\r\nHost: peek\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            long sent = Long.parseLong(r.text().trim());
            assertThat(sent).isBetween(1L, 300L);
        }
    }

    @Test
    void theLocalAppsOwnDeadlineHeaderBoundsTheRequestAndTravelsOn() throws Exception {
        instance.abandoned.clear();
        long start = System.nanoTime();
        try (RawHttp conn = RawHttp.connect(a.outbound().address().port())) {
            // Shorter than the Route's 300 ms timeout: the app's deadline is the one that ends the request.
            RawHttp.Response r = conn.send("GET /app HTTP/1.1\r\nHost: slow\r\nx-delay: 3000\r\n"
                    + "x-rhizome-deadline-ms: 100\r\n\r\n").read();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).contains("(the caller's x-rhizome-deadline-ms)");
            assertThat(tookMs).isBetween(90L, 1000L);
        }
        assertThat(instance.abandoned.poll(2, TimeUnit.SECONDS)).isEqualTo("/app");
    }

    @Test
    void theInboundPortAnswers504WhenTheCallersDeadlinePassesAndAbandonsTheInstance() throws Exception {
        instance.abandoned.clear();
        recordsB.clear();
        long start = System.nanoTime();
        try (RawHttp conn = RawHttp.connect(b.inbound().port())) {
            RawHttp.Response r = conn.send("GET /direct HTTP/1.1\r\nHost: slow\r\nx-delay: 1000\r\n"
                    + "x-rhizome-deadline-ms: 200\r\n\r\n").read();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("x-rhizome-error")).isEqualTo("timeout");
            assertThat(tookMs).isBetween(180L, 600L);

            // The connection stays usable; an expired deadline is refused at once, nothing forwarded.
            long before = System.nanoTime();
            RawHttp.Response expired = conn.send("GET /expired HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 0\r\n\r\n").read();
            assertThat(expired.status()).isEqualTo(504);
            assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(150L);
        }
        assertThat(instance.abandoned.poll(2, TimeUnit.SECONDS)).isEqualTo("/direct");
        assertThat(instance.received).doesNotContain("/expired");
        assertThat(instance.deadlineHeaders).doesNotContain("/direct");
        // B itself timed the request out (not its caller going away).
        assertThat(recordsB).anySatisfy(rec -> {
            assertThat(rec.path()).isEqualTo("/direct");
            assertThat(RequestFlags.has(rec.flags(), "timeout")).isTrue();
        });
    }

    @Test
    void aMalformedDeadlineIs400NamingTheHeaderAndTheExpectedForm() throws Exception {
        try (RawHttp conn = RawHttp.connect(b.inbound().port())) {
            RawHttp.Response r = conn.send("GET /bad HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 1.5s\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("x-rhizome-error")).isEqualTo("bad-request");
            assertThat(r.text()).contains("x-rhizome-deadline-ms: \"1.5s\" (expected: an integer number of milliseconds, 1..3600000)");
        }
        assertThat(instance.received).doesNotContain("/bad");
    }

    @Test
    void aDeadlineLongEnoughLetsTheAnswerThroughWithoutTheHeader() throws Exception {
        try (RawHttp conn = RawHttp.connect(b.inbound().port())) {
            RawHttp.Response r = conn.send("GET /fine HTTP/1.1\r\nHost: slow\r\nx-rhizome-deadline-ms: 2000\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(instance.received).contains("/fine");
        assertThat(instance.deadlineHeaders).doesNotContain("/fine");
    }

    private static NodeSettings settings(String name, int admin, int outbound, int inbound, String extra) {
        return SettingsLoader.fromConfig(ConfigFactory.parseString("""
                rhizome.node.name = %s
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                %s
                """.formatted(name, admin, outbound, inbound, extra)));
    }

    private static MeshEndpoint remote(String service, HostPort inbound) {
        return new MeshEndpoint("node-b/" + service, service, "node-b", instance.address(), inbound, Map.of(),
                EndpointStatus.SERVING, false, true, "Up");
    }

    /**
     * One thread per connection. Answers after {@code x-delay} ms unless the connection closes first
     * (then reports the path in {@link #abandoned}); {@code /echo} answers at once with the deadline
     * header it got. Records every path received and every path that arrived with a deadline header.
     */
    static final class SlowInstance implements AutoCloseable {
        private final ServerSocket server;
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<String> deadlineHeaders = new CopyOnWriteArrayList<>();
        final BlockingQueue<String> abandoned = new LinkedBlockingQueue<>();

        private SlowInstance(ServerSocket server) {
            this.server = server;
        }

        static SlowInstance start() throws IOException {
            SlowInstance s = new SlowInstance(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread t = new Thread(s::acceptLoop, "slow-instance");
            t.setDaemon(true);
            t.start();
            return s;
        }

        HostPort address() {
            return new HostPort("127.0.0.1", server.getLocalPort());
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s), "slow-instance-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    String requestLine = line(in);
                    if (requestLine == null) {
                        return;
                    }
                    String path = requestLine.split(" ")[1];
                    received.add(path);
                    long delay = 0;
                    String deadline = null;
                    String h;
                    while ((h = line(in)) != null && !h.isEmpty()) {
                        String lower = h.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("x-delay:")) {
                            delay = Long.parseLong(h.substring(h.indexOf(':') + 1).trim());
                        } else if (lower.startsWith("x-rhizome-deadline-ms:")) {
                            deadline = h.substring(h.indexOf(':') + 1).trim();
                            deadlineHeaders.add(path);
                        }
                    }
                    String body = path.equals("/echo") ? String.valueOf(deadline) : "ok";
                    if (delay > 0) {
                        socket.setSoTimeout((int) delay);
                        try {
                            if (in.read() == -1) {
                                abandoned.add(path);
                                return;
                            }
                        } catch (SocketTimeoutException e) {
                            // waited the whole delay: answer
                        } catch (IOException e) {
                            abandoned.add(path);
                            return;
                        }
                        socket.setSoTimeout(0);
                    }
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException e) {
                // the mesh went away
            }
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            return c == -1 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
