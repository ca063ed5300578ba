package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.observability.TcpStats;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Opaque TCP through two sidecars, as an app sees it: it connects to an upstream listener of node A
 * ({@code rhizome.upstreams}), and its bytes reach an instance of a {@code tcp} service behind node
 * B or C, never parsed. The instances speak first (a greeting line naming them, like an SMTP or
 * MySQL banner), then echo.
 */
@Timeout(120)
class TcpThroughTheMeshTest {
    private static final List<AutoCloseable> closing = new ArrayList<>();
    private static GreetingServer instanceB;
    private static GreetingServer instanceC;
    private static TestDataPlane a;
    private static TestDataPlane b;
    private static TestDataPlane c;
    private static int[] listen;
    private static HostPort deadInbound;

    @BeforeAll
    static void start() throws Exception {
        instanceB = new GreetingServer("b");
        instanceC = new GreetingServer("c");
        EchoUpstream web = EchoUpstream.start();
        closing.addAll(List.<AutoCloseable>of(instanceB, instanceC, web));
        HostPort deadInstance = new HostPort("127.0.0.1", FreePorts.next(1)[0]);
        deadInbound = new HostPort("127.0.0.1", FreePorts.next(1)[0]);
        b =
                TestDataPlane.builder()
                        .node("node-b")
                        .service("echo", instanceB.address(), "tcp")
                        .localEndpoint("echo", instanceB.address())
                        .service("flaky", deadInstance, "tcp")
                        .service("web", web.address())
                        .service("locked", instanceB.address(), "tcp")
                        .service("capped", instanceB.address(), "tcp")
                        .policies(
                                """
                        resources = [ { kind = Authorization, name = locked, spec { service = locked, default = deny, rules = [
                            { action = allow, from = ["spiffe://example.org/service/admin"] } ] } } ]
                        """)
                        .start();
        c =
                TestDataPlane.builder()
                        .node("node-c")
                        .service("echo", instanceC.address(), "tcp")
                        .localEndpoint("echo", instanceC.address())
                        .service("flaky", instanceC.address(), "tcp")
                        .service("gone", instanceC.address(), "tcp")
                        .start();
        HostPort inboundB = new HostPort("127.0.0.1", b.inboundPort());
        HostPort inboundC = new HostPort("127.0.0.1", c.inboundPort());
        listen = FreePorts.next(7);
        a =
                TestDataPlane.builder()
                        .node("node-a")
                        .config(
                                """
                        rhizome.upstreams = [
                          { service = echo, listen = "127.0.0.1:%d" }
                          { service = flaky, listen = "127.0.0.1:%d" }
                          { service = ghost, listen = "127.0.0.1:%d" }
                          { service = web, listen = "127.0.0.1:%d" }
                          { service = gone, listen = "127.0.0.1:%d" }
                          { service = locked, listen = "127.0.0.1:%d" }
                          { service = capped, listen = "127.0.0.1:%d" }
                        ]
                        """
                                        .formatted(
                                                listen[0], listen[1], listen[2], listen[3],
                                                listen[4], listen[5], listen[6]))
                        .policies(
                                """
                        resources = [ { kind = DestinationPolicy, name = capped, spec { service = capped,
                            circuit-breaker { max-connections = 1 } } } ]
                        """)
                        .endpoints(
                                "echo",
                                TestDataPlane.remoteTcp(
                                        "node-b", "echo", instanceB.address(), inboundB),
                                TestDataPlane.remoteTcp(
                                        "node-c", "echo", instanceC.address(), inboundC))
                        // node-b's instance refuses; node-b answers so, and the caller goes to
                        // node-c
                        .endpoints(
                                "flaky",
                                TestDataPlane.remoteTcp("node-b", "flaky", deadInstance, inboundB),
                                TestDataPlane.remoteTcp(
                                        "node-c", "flaky", instanceC.address(), inboundC))
                        // node-d is gone: its inbound port refuses connections
                        .endpoints(
                                "gone",
                                TestDataPlane.remoteTcp(
                                        "node-d", "gone", instanceB.address(), deadInbound),
                                TestDataPlane.remoteTcp(
                                        "node-c", "gone", instanceC.address(), inboundC))
                        .endpoints(
                                "web",
                                TestDataPlane.remote("node-b", "web", web.address(), inboundB))
                        .endpoints(
                                "locked",
                                TestDataPlane.remoteTcp(
                                        "node-b", "locked", instanceB.address(), inboundB))
                        .endpoints(
                                "capped",
                                TestDataPlane.remoteTcp(
                                        "node-b", "capped", instanceB.address(), inboundB))
                        .start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable r : new AutoCloseable[] {a, b, c}) {
            close(r);
        }
        closing.forEach(TcpThroughTheMeshTest::close);
    }

    private static void close(AutoCloseable r) {
        try {
            if (r != null) {
                r.close();
            }
        } catch (Exception e) {
            // the rest still close
        }
    }

    @Test
    void theInstanceSpeaksFirstWithNoDetectionDelayAndBytesEchoUnchanged() throws Exception {
        try (Socket s = connect(listen[0])) {
            long start = System.nanoTime();
            String greeting = readLine(s.getInputStream());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(greeting).isIn("b", "c");
            assertThat(millis)
                    .as("the greeting arrived without the client sending anything")
                    .isLessThan(1_000);
            byte[] payload = new byte[1 << 20];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 7 + (i >> 10));
            }
            AtomicReference<Exception> writeFailure = new AtomicReference<>();
            Thread writer =
                    new Thread(
                            () -> {
                                try {
                                    s.getOutputStream().write(payload);
                                    s.getOutputStream().flush();
                                } catch (IOException e) {
                                    writeFailure.set(e);
                                }
                            });
            writer.start();
            byte[] echoed = s.getInputStream().readNBytes(payload.length);
            writer.join();
            assertThat(writeFailure.get()).isNull();
            assertThat(echoed).isEqualTo(payload);
        }
    }

    @Test
    void eachConnectionIsBalancedOnItsOwn() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            try (Socket s = connect(listen[0])) {
                seen.merge(readLine(s.getInputStream()), 1, Integer::sum);
            }
        }
        assertThat(seen).containsOnlyKeys("b", "c");
        assertThat(seen.get("b")).isEqualTo(5);
    }

    @Test
    void aPeerWhoseInstanceRefusesAndAPeerThatIsGoneCostNoConnection() throws Exception {
        for (int listener : new int[] {listen[1], listen[4]}) {
            for (int i = 0; i < 6; i++) {
                try (Socket s = connect(listener)) {
                    assertThat(readLine(s.getInputStream())).isEqualTo("c");
                    s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(readLine(s.getInputStream())).isEqualTo("ping");
                }
            }
        }
    }

    @Test
    void aDrainingNodeTakesNoNewConnectionAndItsCallersGoElsewhereWhileOpenOnesRunOn()
            throws Exception {
        try (TestDataPlane d =
                TestDataPlane.builder()
                        .node("node-d")
                        .service("echo", instanceB.address(), "tcp")
                        .start()) {
            HostPort inboundD = new HostPort("127.0.0.1", d.inboundPort());
            int port = FreePorts.next(1)[0];
            try (TestDataPlane caller =
                    TestDataPlane.builder()
                            .node("node-e")
                            .config(
                                    "rhizome.upstreams = [ { service = echo, listen = \"127.0.0.1:"
                                            + port
                                            + "\" } ]")
                            .endpoints(
                                    "echo",
                                    TestDataPlane.remoteTcp(
                                            "node-d", "echo", instanceB.address(), inboundD),
                                    TestDataPlane.remoteTcp(
                                            "node-c",
                                            "echo",
                                            instanceC.address(),
                                            new HostPort("127.0.0.1", c.inboundPort())))
                            .start()) {
                Socket open =
                        null; // a connection to node-d's instance ("b"), open before the drain
                for (int i = 0; i < 4 && open == null; i++) {
                    Socket s = connect(port);
                    if (readLine(s.getInputStream()).equals("b")) {
                        open = s;
                    } else {
                        s.close();
                    }
                }
                assertThat(open).as("round robin reached node-d").isNotNull();
                d.dataPlane().drain();
                for (int i = 0; i < 4; i++) {
                    try (Socket s = connect(port)) {
                        assertThat(readLine(s.getInputStream()))
                                .as("new connections avoid the draining node")
                                .isEqualTo("c");
                    }
                }
                open.getOutputStream().write("still\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(open.getInputStream()))
                        .as("an open connection runs on")
                        .isEqualTo("still");
                open.close();
                assertThat(counters(d.dataPlane().tcpStats(), "inbound", "echo").failed.sum())
                        .isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aListenerOfAnUnknownServiceClosesItsConnectionsAndCountsThem() throws Exception {
        long before = failed(a.dataPlane().tcpStats(), "ghost");
        try (Socket s = connect(listen[2])) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        Eventually.within(
                Duration.ofSeconds(5),
                () -> assertThat(failed(a.dataPlane().tcpStats(), "ghost")).isEqualTo(before + 1));
    }

    @Test
    void anAuthorizationOfTheCalleeDecidesByCallerAndAClosedConnectionIsAllTheClientSees()
            throws Exception {
        // Plaintext: no caller identity, so only the allowed identity's rule could open it, and
        // none matches.
        try (Socket s = connect(listen[5])) {
            assertThat(s.getInputStream().read())
                    .as("closed, the instance never reached")
                    .isEqualTo(-1);
        }
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    assertThat(counters(b.dataPlane().tcpStats(), "inbound", "locked").failed.sum())
                            .isEqualTo(1);
                    assertThat(failed(a.dataPlane().tcpStats(), "locked")).isEqualTo(1);
                });
    }

    @Test
    void maxConnectionsOfTheDestinationPolicyTurnsTheNextConnectionAwayUntilOneCloses()
            throws Exception {
        try (Socket first = connect(listen[6])) {
            assertThat(readLine(first.getInputStream())).isEqualTo("b");
            try (Socket second = connect(listen[6])) {
                assertThat(second.getInputStream().read())
                        .as("over max-connections: closed at once")
                        .isEqualTo(-1);
            }
        }
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    try (Socket again = connect(listen[6])) {
                        assertThat(readLine(again.getInputStream()))
                                .as("room again once the first closed")
                                .isEqualTo("b");
                    }
                });
        assertThat(failed(a.dataPlane().tcpStats(), "capped")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aListenerOfAnHttpServiceServesHttpAsIfEachRequestNamedIt() throws Exception {
        RawHttp.Response r =
                exchange(listen[3], "GET /headers HTTP/1.1\r\nHost: anything.example\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).startsWith("GET /headers").contains("host: web");
    }

    @Test
    void anHttpRequestToATcpServiceIsRefusedNamingWhy() throws Exception {
        RawHttp.Response r = exchange(a.outboundPort(), "GET / HTTP/1.1\r\nHost: echo\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("x-rhizome-error")).isEqualTo("bad-request");
        assertThat(r.text()).contains("\"echo\" is a tcp service").contains("rhizome.upstreams");
    }

    @Test
    void theInboundPortOpensOnlyTcpServicesToConnect() throws Exception {
        RawHttp.Response web =
                exchange(b.inboundPort(), "CONNECT web:80 HTTP/1.1\r\nHost: web:80\r\n\r\n");
        assertThat(web.status()).isEqualTo(400);
        assertThat(web.text()).contains("\"web\" is not a tcp service");
        RawHttp.Response none =
                exchange(b.inboundPort(), "CONNECT nosuch:80 HTTP/1.1\r\nHost: nosuch:80\r\n\r\n");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.header("x-rhizome-error")).isEqualTo("unknown-service");
    }

    @Test
    void connectionsAndTheirBytesAreCountedWhenTheyClose() throws Exception {
        TcpStats.Counters before = counters(a.dataPlane().tcpStats(), "outbound", "echo");
        long opened = before == null ? 0 : before.opened.sum();
        long fromClient = before == null ? 0 : before.bytesFromClient.sum();
        try (Socket s = connect(listen[0])) {
            readLine(s.getInputStream());
            s.getOutputStream().write("0123456789\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("0123456789");
        }
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    TcpStats.Counters now = counters(a.dataPlane().tcpStats(), "outbound", "echo");
                    assertThat(now.opened.sum()).isEqualTo(opened + 1);
                    assertThat(now.open()).isZero();
                    assertThat(now.bytesFromClient.sum()).isEqualTo(fromClient + 11);
                    assertThat(
                                    counters(b.dataPlane().tcpStats(), "inbound", "echo")
                                                    .opened
                                                    .sum()
                                            + counters(c.dataPlane().tcpStats(), "inbound", "echo")
                                                    .opened
                                                    .sum())
                            .isGreaterThanOrEqualTo(1);
                });
    }

    private static RawHttp.Response exchange(int port, String request) throws IOException {
        try (RawHttp http = RawHttp.connect(port)) {
            return http.send(request).read();
        }
    }

    private static long failed(TcpStats stats, String service) {
        TcpStats.Counters c = counters(stats, "outbound", service);
        return c == null ? 0 : c.failed.sum();
    }

    private static TcpStats.Counters counters(TcpStats stats, String direction, String service) {
        AtomicReference<TcpStats.Counters> found = new AtomicReference<>();
        stats.forEach(
                (d, s, c) -> {
                    if (d.equals(direction) && s.equals(service)) {
                        found.set(c);
                    }
                });
        return found.get();
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        s.setSoTimeout(5_000);
        return s;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /**
     * Speaks first (its name and a newline), then echoes every byte: a banner-first server, like
     * SMTP's or MySQL's.
     */
    static final class GreetingServer implements AutoCloseable {
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();

        GreetingServer(String name) throws IOException {
            server = new ServerSocket(0, 128, java.net.InetAddress.getLoopbackAddress());
            threads.submit(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                Socket s = server.accept();
                                threads.submit(() -> serve(s, name));
                            } catch (IOException e) {
                                return;
                            }
                        }
                    });
        }

        private static void serve(Socket s, String name) {
            try (s;
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[16384];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the client left
            }
        }

        HostPort address() {
            return new HostPort("127.0.0.1", server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
