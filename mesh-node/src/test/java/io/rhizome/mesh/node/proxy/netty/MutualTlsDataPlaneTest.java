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
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two data planes under mTLS on real sockets: node-a (identity web) calls the service orders on
 * node-b (identity orders) through node-b's inbound port.
 */
class MutualTlsDataPlaneTest {
    @TempDir static Path dir;

    private static CertificateAuthority ca;
    private static EchoUpstream orders;
    private static GreeterServer greeter;
    private static DataPlane nodeA;
    private static DataPlane nodeB;
    private static MeshTls tlsA;
    private static MeshTls tlsB;
    private static NodeSettings settingsB;
    private static int outboundA;
    private static HttpClient app;
    private static final ConcurrentLinkedQueue<RequestRecord> inboundRecords =
            new ConcurrentLinkedQueue<>();
    private static TcpThroughTheMeshTest.GreetingServer vault;
    private static WebSockets.EchoServer chat;
    private static int vaultListener;
    private static final ConcurrentLinkedQueue<RequestRecord> closedOnB =
            new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        ca = CertificateAuthority.createRoot("example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        orders = EchoUpstream.start();
        greeter = GreeterServer.start("b");
        vault = new TcpThroughTheMeshTest.GreetingServer("vault");
        chat = new WebSockets.EchoServer("b");
        int[] ports = FreePorts.next(7);
        vaultListener = ports[6];
        NodeSettings settingsA =
                settings(
                        "node-a",
                        "web",
                        ports[0],
                        ports[1],
                        ports[2],
                        "rhizome.upstreams = [{ service = vault, listen = \"127.0.0.1:"
                                + vaultListener
                                + "\" }]");
        outboundA = ports[1];
        settingsB =
                settings(
                        "node-b",
                        "orders",
                        ports[3],
                        ports[4],
                        ports[5],
                        "rhizome.services = [{ name = orders, address = \""
                                + orders.address()
                                + "\" }, { name = greeter, address = \""
                                + greeter.address()
                                + "\" }, { name = vault, address = \""
                                + vault.address()
                                + "\", protocol = tcp }, { name = chat, address = \""
                                + chat.address()
                                + "\" }]");
        assertThat(settingsA.identityService())
                .as("identity taken from the certificate")
                .isEqualTo("web");

        HostPort inboundB = settingsB.inboundAdvertised();
        MeshView viewA = new MeshView();
        viewA.publish(
                new MeshSnapshot(
                        Map.of(
                                "orders", List.of(remote("orders", inboundB, "orders")),
                                // The registry says node-b serves "payments" here: node-b's
                                // certificate must not pass.
                                "imposter", List.of(remote("imposter", inboundB, "payments")),
                                "greeter", List.of(remote("greeter", inboundB, "orders")),
                                "chat", List.of(remote("chat", inboundB, "orders")),
                                "vault",
                                        List.of(
                                                new MeshEndpoint(
                                                        "node-b/vault",
                                                        "vault",
                                                        "node-b",
                                                        vault.address(),
                                                        inboundB,
                                                        Map.of(),
                                                        EndpointStatus.SERVING,
                                                        false,
                                                        true,
                                                        "Up",
                                                        "orders",
                                                        MeshEndpoint.TCP))),
                        List.of()));
        MeshView viewB = new MeshView();
        viewB.publish(
                new MeshSnapshot(
                        Map.of(
                                "orders",
                                List.of(
                                        new MeshEndpoint(
                                                "node-b/orders",
                                                "orders",
                                                "node-b",
                                                orders.address(),
                                                inboundB,
                                                Map.of(),
                                                EndpointStatus.SERVING,
                                                true,
                                                true,
                                                "Up",
                                                "orders")),
                                "greeter",
                                List.of(
                                        new MeshEndpoint(
                                                "node-b/greeter",
                                                "greeter",
                                                "node-b",
                                                greeter.address(),
                                                inboundB,
                                                Map.of(),
                                                EndpointStatus.SERVING,
                                                true,
                                                true,
                                                "Up",
                                                "orders"))),
                        List.of()));

        tlsA = MeshTls.start(settingsA.tls(), settingsA.identityService(), Clock.systemUTC());
        tlsB = MeshTls.start(settingsB.tls(), settingsB.identityService(), Clock.systemUTC());
        nodeA =
                NettyDataPlane.create(
                        settingsA,
                        viewA,
                        new EndpointSelector(EjectionTracker.create()),
                        new PolicyView(),
                        tlsA);
        nodeB =
                NettyDataPlane.create(
                        settingsB,
                        viewB,
                        new EndpointSelector(EjectionTracker.create()),
                        new PolicyView(),
                        tlsB);
        nodeB.observers()
                .register(
                        r -> {
                            if (r.direction() == RequestRecord.Direction.INBOUND) {
                                inboundRecords.add(r);
                            }
                        });
        nodeB.tcpStats().connections().register(closedOnB::add);
        nodeA.start();
        nodeB.start();
        app =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress(
                                                InetAddress.getLoopbackAddress(), ports[1])))
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        for (DataPlane d : new DataPlane[] {nodeA, nodeB}) {
            if (d != null) {
                d.stop(Duration.ZERO);
            }
        }
        for (MeshTls t : new MeshTls[] {tlsA, tlsB}) {
            if (t != null) {
                t.close();
            }
        }
        if (orders != null) {
            orders.close();
        }
        if (greeter != null) {
            greeter.close();
        }
        if (vault != null) {
            vault.close();
        }
        if (chat != null) {
            chat.close();
        }
    }

    @Test
    void callsFlowThroughMutualTlsAndTheCallerIsKnownOnTheInboundSide() throws Exception {
        HttpResponse<String> response = get("http://orders/headers");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("GET /headers");
        assertThat(inboundRecords)
                .anySatisfy(
                        r -> assertThat(r.caller()).isEqualTo("spiffe://example.org/service/web"));
    }

    @Test
    void grpcCallsTravelOverHttp2ChosenByAlpnAndTheCallerIsKnown() throws Exception {
        io.grpc.ManagedChannel channel =
                io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                                "127.0.0.1", outboundA)
                        .usePlaintext()
                        .overrideAuthority("greeter")
                        .build();
        try {
            for (int i = 0; i < 3; i++) {
                byte[] answer =
                        io.grpc.stub.ClientCalls.blockingUnaryCall(
                                channel,
                                GreeterServer.HELLO,
                                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(
                                        10, java.util.concurrent.TimeUnit.SECONDS),
                                "hi".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("b:hi");
            }
        } finally {
            channel.shutdownNow();
        }
        assertThat(inboundRecords)
                .anySatisfy(
                        r -> {
                            assertThat(r.service()).isEqualTo("greeter");
                            assertThat(r.caller()).isEqualTo("spiffe://example.org/service/web");
                        });
    }

    @Test
    void opaqueTcpCrossesUnderMutualTlsAndTheCallerIsKnownOnTheInboundSide() throws Exception {
        try (Socket s = TcpThroughTheMeshTest.connect(vaultListener)) {
            assertThat(TcpThroughTheMeshTest.readLine(s.getInputStream())).isEqualTo("vault");
            s.getOutputStream().write("secret\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(TcpThroughTheMeshTest.readLine(s.getInputStream())).isEqualTo("secret");
        }
        io.rhizome.mesh.testsupport.Eventually.within(
                Duration.ofSeconds(5),
                () ->
                        assertThat(closedOnB)
                                .anySatisfy(
                                        c -> {
                                            assertThat(c.service()).isEqualTo("vault");
                                            assertThat(c.method()).isEqualTo("TCP");
                                            assertThat(c.caller())
                                                    .isEqualTo("spiffe://example.org/service/web");
                                            assertThat(c.requestBytes()).isEqualTo(7);
                                            assertThat(c.responseBytes())
                                                    .isEqualTo(6 + 7); // "vault\n" then the echo
                                        }));
    }

    @Test
    void aWebSocketCrossesUnderMutualTls() throws Exception {
        try (WebSockets.Client ws = WebSockets.Client.open(outboundA, "chat", "/")) {
            assertThat(ws.sendText("over mTLS")).isEqualTo("b: over mTLS");
        }
        assertThat(inboundRecords)
                .anySatisfy(
                        r -> {
                            assertThat(r.service()).isEqualTo("chat");
                            assertThat(r.status()).isEqualTo(101);
                            assertThat(r.caller()).isEqualTo("spiffe://example.org/service/web");
                        });
    }

    @Test
    void aPeerThatIsNotTheIdentityTheRegistryNamesIsRefused() throws Exception {
        long before = tlsA.stats().upstreamHandshakeFailures();
        HttpResponse<String> response = get("http://imposter/headers");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("x-rhizome-error"))
                .hasValue("upstream-connect-failure");
        assertThat(response.body())
                .contains(
                        "spiffe://example.org/service/orders",
                        "spiffe://example.org/service/payments");
        assertThat(tlsA.stats().upstreamHandshakeFailures()).isGreaterThan(before);
    }

    @Test
    void theInboundPortRefusesPlainHttpNoClientCertificateAndForeignCertificates()
            throws Exception {
        long before = tlsB.stats().inboundHandshakeFailures();
        HostPort inbound = settingsB.inboundAdvertised();
        try (Socket plain = new Socket(inbound.host(), inbound.port())) {
            assertThat(exchange(plain)).as("plain HTTP").doesNotStartWith("HTTP/");
        }
        assertThat(tlsExchange(inbound, null))
                .as("no client certificate")
                .doesNotStartWith("HTTP/");
        CertificateAuthority foreign =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        assertThat(tlsExchange(inbound, foreign.issueWorkload("web", Duration.ofHours(1))))
                .as("same trust domain, self-made CA")
                .doesNotStartWith("HTTP/");
        assertThat(tlsExchange(inbound, foreign.signer()))
                .as("a self-signed certificate")
                .doesNotStartWith("HTTP/");
        // The trusted CA's own client certificate works on the same port.
        assertThat(tlsExchange(inbound, ca.issueWorkload("web", Duration.ofHours(1))))
                .startsWith("HTTP/1.1 200");
        assertThat(tlsB.stats().inboundHandshakeFailures()).isGreaterThanOrEqualTo(before + 4);
    }

    @Test
    void rotatingCertificatesUnderLoadFailsNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Issued client = ca.issueWorkload("web", Duration.ofHours(1));
        Thread viaMesh =
                new Thread(
                        () -> {
                            while (running.get()) {
                                try {
                                    HttpResponse<String> r = get("http://orders/headers");
                                    if (r.statusCode() == 200) {
                                        ok.incrementAndGet();
                                    } else {
                                        failures.add("mesh: " + r.statusCode() + " " + r.body());
                                    }
                                } catch (Exception e) {
                                    failures.add("mesh: " + e);
                                }
                            }
                        });
        // New connections (so new handshakes) to node-b while its certificate changes.
        Thread direct =
                new Thread(
                        () -> {
                            while (running.get()) {
                                try {
                                    String r = tlsExchange(settingsB.inboundAdvertised(), client);
                                    if (r.startsWith("HTTP/1.1 200")) {
                                        ok.incrementAndGet();
                                    } else {
                                        failures.add("direct: " + r);
                                    }
                                } catch (Exception e) {
                                    failures.add("direct: " + e);
                                }
                            }
                        });
        viaMesh.start();
        direct.start();
        BigInteger last = null;
        for (int i = 0; i < 3; i++) {
            Thread.sleep(300);
            Issued next = ca.issueWorkload("orders", Duration.ofHours(1));
            CertificateAuthority.writeIssued(next, dir.resolve("orders"));
            CertificateAuthority.writeIssued(
                    ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
            tlsB.checkNow();
            tlsA.checkNow();
            last = next.certificate().getSerialNumber();
        }
        Thread.sleep(300);
        running.set(false);
        viaMesh.join();
        direct.join();
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(20);
        assertThat(tlsB.material().certificate().getSerialNumber()).isEqualTo(last);
        assertThat(serverCertificate(settingsB.inboundAdvertised(), client).getSerialNumber())
                .as("new handshakes present the new certificate")
                .isEqualTo(last);
        assertThat(tlsB.stats().reloads()).isGreaterThanOrEqualTo(3);
    }

    // ------------------------------------------------------------------ fixtures

    private static NodeSettings settings(
            String name, String pki, int admin, int outbound, int inbound, String extra) {
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString(
                        """
                rhizome.node.name = %s
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                rhizome.tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s", reload-interval = 100ms }
                %s
                """
                                .formatted(
                                        name,
                                        admin,
                                        outbound,
                                        inbound,
                                        dir.resolve("ca/ca.pem"),
                                        dir.resolve(pki + "/cert.pem"),
                                        dir.resolve(pki + "/key.pem"),
                                        extra)));
    }

    private static MeshEndpoint remote(String service, HostPort inbound, String identity) {
        return new MeshEndpoint(
                "node-b/" + service,
                service,
                "node-b",
                new HostPort("127.0.0.1", 9),
                inbound,
                Map.of(),
                EndpointStatus.SERVING,
                false,
                true,
                "Up",
                identity);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return app.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends one request for orders on {@code socket}; what came back ("" when the connection just
     * closed).
     */
    private static String exchange(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        try {
            OutputStream out = socket.getOutputStream();
            out.write(
                    "GET /headers HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    /** A TLS connection presenting {@code client} (null: no certificate) that trusts any server. */
    private static String tlsExchange(HostPort at, Issued client) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) context(client).getSocketFactory().createSocket(at.host(), at.port())) {
            return exchange(socket);
        }
    }

    private static X509Certificate serverCertificate(HostPort at, Issued client) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) context(client).getSocketFactory().createSocket(at.host(), at.port())) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static SSLContext context(Issued client) throws Exception {
        KeyManagerFactory keys = null;
        if (client != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, new char[0]);
            store.setKeyEntry(
                    "client",
                    client.key(),
                    new char[0],
                    client.chain().toArray(X509Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                keys == null ? null : keys.getKeyManagers(),
                new TrustManager[] {new TrustAll()},
                null);
        return context;
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
