package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.pki.Pem;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two node JVMs under mTLS with certificates minted by {@code bin/meshctl ca}, and a third whose
 * certificate comes from another CA: traffic flows node-1 → node-2 over mTLS, the inbound port
 * refuses what is not a trusted client certificate, hostile HTTP/1.1 is refused on both ports, the
 * intruder cannot join, and rotating a certificate under load fails no request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MutualTlsIT {
    private static final String DOMAIN = "mesh.test";
    private final Path pki = Processes.WORK.resolve("pki");
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[4];
    private final Processes.Started[] nodes = new Processes.Started[4];
    private Processes.Started echo;
    private HttpClient viaNode1;
    private Issued ops;

    /** Presents the ops certificate: node-2's admin API is HTTPS with client certificates. */
    private HttpClient opsClient;

    @BeforeAll
    void startMesh() throws Exception {
        deleteRecursively(pki);
        meshctlOk("ca", "init", "--trust-domain", DOMAIN, "--out", pki.resolve("ca").toString());
        meshctlOk(
                "ca",
                "init",
                "--trust-domain",
                DOMAIN,
                "--out",
                pki.resolve("other-ca").toString());
        meshctlOk(
                "ca",
                "issue",
                "--ca",
                pki.resolve("ca").toString(),
                "--service",
                "web",
                "--out",
                pki.resolve("web").toString());
        meshctlOk(
                "ca",
                "issue",
                "--ca",
                pki.resolve("ca").toString(),
                "--service",
                "echo",
                "--out",
                pki.resolve("echo").toString());
        meshctlOk(
                "ca",
                "issue",
                "--ca",
                pki.resolve("other-ca").toString(),
                "--service",
                "web",
                "--out",
                pki.resolve("intruder").toString());
        meshctlOk(
                "ca",
                "issue",
                "--ca",
                pki.resolve("ca").toString(),
                "--service",
                "ops",
                "--out",
                pki.resolve("ops").toString());
        ops =
                new Issued(
                        Pem.readCertificates(pki.resolve("ops/cert.pem")),
                        Pem.readPrivateKey(pki.resolve("ops/key.pem")));
        opsClient =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .sslContext(context(ops))
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();

        int echoPort = FreePorts.next();
        echo = Processes.echo("tls-echo", echoPort);
        for (int n = 1; n <= 3; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        List<String> seeds =
                List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        Path c1 = TestMesh.writeConfig("tls-node-1", ports[1], seeds, tls("ca", "web"));
        // node-2's admin API speaks HTTPS and takes the ops certificate instead of a token.
        Path c2 =
                TestMesh.writeConfig(
                        "tls-node-2",
                        ports[2],
                        seeds,
                        tls("ca", "echo")
                                + """
                admin.tls { enabled = on, allowed-identities = ["spiffe://mesh.test/service/ops"] }
                tls.cluster-identities = ["spiffe://mesh.test/service/web", "spiffe://mesh.test/service/echo"]
                services = [ { name = echo, address = "127.0.0.1:%d", health-check { protocol = http, path = "/healthz", interval = 500ms } } ]
                """
                                        .formatted(echoPort));
        Path c3 = TestMesh.writeConfig("tls-node-3", ports[3], seeds, tls("other-ca", "intruder"));
        nodes[1] = Processes.node("tls-node-1", c1);
        nodes[2] = Processes.node("tls-node-2", c2);
        nodes[3] = Processes.node("tls-node-3", c3);
        for (int n = 1; n <= 2; n++) {
            int node = n;
            Eventually.until(
                    "tls-node-" + n + " /readyz 200",
                    Duration.ofSeconds(60),
                    () -> {
                        if (!nodes[node].process().isAlive()) {
                            throw new AssertionError(
                                    "tls-node-" + node + " exited:\n" + nodes[node].tail());
                        }
                        return adminStatus(node, "/readyz") == 200;
                    });
        }
        viaNode1 =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", ports[1].outbound())))
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
        Eventually.until("node-1 routes to echo", Duration.ofSeconds(30), () -> callEcho() == 200);
    }

    @AfterAll
    void stopMesh() {
        for (Processes.Started p : new Processes.Started[] {nodes[1], nodes[2], nodes[3], echo}) {
            if (p != null) {
                p.sigkill();
            }
        }
    }

    private String tls(String ca, String cert) {
        return """
                tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s", reload-interval = 500ms }
                """
                .formatted(
                        pki.resolve(ca + "/ca.pem"),
                        pki.resolve(cert + "/cert.pem"),
                        pki.resolve(cert + "/key.pem"));
    }

    @Test
    @Order(1)
    void trafficFlowsOverMutualTlsBetweenNodes() throws Exception {
        HttpResponse<String> response =
                viaNode1.send(
                        HttpRequest.newBuilder(URI.create("http://echo/hello")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("tls-echo");
        String tls1 = TestMesh.get("http://" + ports[1].adminAddress() + "/v1/tls").body();
        assertThat(tls1)
                .contains("\"identity\": \"spiffe://mesh.test/service/web\"", "\"mode\": \"file\"");
        Processes.Result check = Processes.meshctl("--node", ports[1].adminAddress(), "check");
        assertThat(check.stderr()).doesNotContain("certificate");
        // node-1 answers for every member's certificate, node-2's included.
        Processes.Result checkJson =
                Processes.meshctl("--node", ports[1].adminAddress(), "check", "-o", "json");
        assertThat(checkJson.stdout())
                .contains(
                        "spiffe://mesh.test/service/web",
                        "spiffe://mesh.test/service/echo",
                        "expires-in-seconds");

        // The instance's node knows its caller from the verified certificate: an inbound edge web →
        // echo
        // in stat (from any node) and the caller label of its metrics.
        Map<String, Object> stat =
                TestMesh.json(
                        TestMesh.get(
                                        "http://"
                                                + ports[1].adminAddress()
                                                + "/v1/stat?service=echo&direction=inbound&edges=true")
                                .body());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> edges = (List<Map<String, Object>>) stat.get("edges");
        assertThat(edges)
                .anySatisfy(
                        e -> {
                            assertThat(e)
                                    .containsEntry("caller", "web")
                                    .containsEntry("service", "echo")
                                    .containsEntry("direction", "inbound");
                            assertThat(((Number) e.get("requests")).longValue()).isPositive();
                        });
        String metrics = admin(2, "/metrics").body();
        assertThat(metrics)
                .containsPattern(
                        "rhizome_requests_total\\{direction=\"inbound\",service=\"echo\",route=\"\",subset=\"\",caller=\"web\",code=\"200\"\\} [1-9]");
    }

    @Test
    @Order(2)
    void theInboundPortRefusesPlainHttpNoCertificateAndASelfSignedOne() throws Exception {
        int inbound = ports[2].inbound();
        try (Socket plain = new Socket("127.0.0.1", inbound)) {
            assertThat(exchange(plain)).as("plain HTTP").doesNotStartWith("HTTP/");
        }
        assertThat(tlsExchange(inbound, null))
                .as("no client certificate")
                .doesNotStartWith("HTTP/");
        CertificateAuthority selfMade =
                CertificateAuthority.createRoot(DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        assertThat(tlsExchange(inbound, selfMade.signer()))
                .as("self-signed")
                .doesNotStartWith("HTTP/");
        Issued web =
                new Issued(
                        Pem.readCertificates(pki.resolve("web/cert.pem")),
                        Pem.readPrivateKey(pki.resolve("web/key.pem")));
        assertThat(tlsExchange(inbound, web))
                .as("a certificate of the mesh's CA")
                .startsWith("HTTP/1.1 200");
        String tls2 = admin(2, "/v1/tls").body();
        assertThat(Long.parseLong(String.valueOf(TestMesh.json(tls2).get("handshake-failures"))))
                .isGreaterThanOrEqualTo(3);
    }

    /**
     * The smuggling table against real node JVMs: each hostile request, sent over mTLS with a
     * trusted certificate to node-2's inbound port and in plain HTTP to node-1's outbound port
     * (whose echo is across the mesh), is answered by the mesh with one 400 or 431 and the
     * connection closed; the request smuggled behind it is never answered, so nothing after it
     * reached the echo app.
     */
    @Test
    @Order(5)
    void hostileRequestsAreRefusedOnBothPortsOverRealNodes() throws Exception {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: echo\r\n\r\n";
        String post = "POST /hostile HTTP/1.1\r\nHost: echo\r\n";
        Map<String, String> table = new LinkedHashMap<>();
        table.put(
                "Content-Length and Transfer-Encoding",
                post
                        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                        + smuggled);
        table.put(
                "two Content-Lengths",
                post + "Content-Length: 0\r\nContent-Length: 39\r\n\r\n" + smuggled);
        table.put(
                "an unknown transfer coding",
                post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled);
        table.put(
                "NUL in a header",
                "GET /hostile HTTP/1.1\r\nHost: echo\r\nX-A: a\0b\r\n\r\n" + smuggled);
        table.put(
                "obs-fold hiding a Transfer-Encoding",
                post
                        + "Content-Length: "
                        + smuggled.length()
                        + "\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n"
                        + smuggled);
        table.put(
                "too many header fields",
                "GET /hostile HTTP/1.1\r\nHost: echo\r\n"
                        + "X-Many: 1\r\n".repeat(120)
                        + "\r\n"
                        + smuggled);
        Issued web =
                new Issued(
                        Pem.readCertificates(pki.resolve("web/cert.pem")),
                        Pem.readPrivateKey(pki.resolve("web/key.pem")));
        for (Map.Entry<String, String> c : table.entrySet()) {
            String inbound;
            try (SSLSocket socket =
                    (SSLSocket)
                            context(web)
                                    .getSocketFactory()
                                    .createSocket("127.0.0.1", ports[2].inbound())) {
                inbound = exchange(socket, c.getValue());
            }
            String outbound;
            try (Socket socket = new Socket("127.0.0.1", ports[1].outbound())) {
                outbound = exchange(socket, c.getValue());
            }
            for (String answer : List.of(inbound, outbound)) {
                assertThat(answer)
                        .as(c.getKey())
                        .matches("(?s)HTTP/1\\.1 (400|431) .*")
                        .contains("x-rhizome-error: ")
                        .doesNotContain("tls-echo");
                assertThat(
                                java.util.regex.Pattern.compile("(?m)^HTTP/1\\.1 [0-9]{3} ")
                                        .matcher(answer)
                                        .results()
                                        .count())
                        .as("%s: one answer only, in %s", c.getKey(), answer)
                        .isEqualTo(1);
            }
        }
        assertThat(callEcho()).as("the mesh still serves").isEqualTo(200);
    }

    @Test
    @Order(3)
    void aNodeWithAForeignCaCannotJoin() throws Exception {
        // The intruder tried both seeds and each handshake was refused: its certificate chains to
        // another CA.
        for (int seed = 1; seed <= 2; seed++) {
            String refused =
                    "TLS handshake of cluster peer 127.0.0.1:" + ports[seed].cluster() + " failed";
            Eventually.until(
                    "tls-node-3 is refused by tls-node-" + seed,
                    Duration.ofSeconds(30),
                    () ->
                            nodes[3].logText()
                                    .lines()
                                    .anyMatch(
                                            l ->
                                                    l.contains(refused)
                                                            && l.contains(
                                                                    "does not chain to the trust bundle")));
        }
        assertThat(nodes[3].process().isAlive()).isTrue();
        assertThat(TestMesh.status("http://" + ports[3].adminAddress() + "/readyz")).isEqualTo(503);
        String members = TestMesh.get("http://" + ports[1].adminAddress() + "/v1/members").body();
        assertThat(members).contains("tls-node-1", "tls-node-2").doesNotContain("tls-node-3");
    }

    @Test
    @Order(4)
    void rotatingNode2sCertificateUnderLoadFailsNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Thread load =
                new Thread(
                        () -> {
                            while (running.get()) {
                                int status = callEcho();
                                if (status == 200) {
                                    ok.incrementAndGet();
                                } else {
                                    failures.add(String.valueOf(status));
                                }
                            }
                        });
        load.start();
        long reloadsBefore = reloads(2);
        meshctlOk(
                "ca",
                "issue",
                "--ca",
                pki.resolve("ca").toString(),
                "--service",
                "echo",
                "--out",
                pki.resolve("echo").toString(),
                "--ttl",
                "2h");
        Eventually.until(
                "node-2 reloads its certificate",
                Duration.ofSeconds(10),
                () -> reloads(2) > reloadsBefore);
        // New handshakes after the reload: node-2 presents the 2 h certificate.
        Issued web =
                new Issued(
                        Pem.readCertificates(pki.resolve("web/cert.pem")),
                        Pem.readPrivateKey(pki.resolve("web/key.pem")));
        X509Certificate presented = serverCertificate(ports[2].inbound(), web);
        assertThat(
                        Duration.between(
                                presented.getNotBefore().toInstant(),
                                presented.getNotAfter().toInstant()))
                .isLessThan(Duration.ofHours(3));
        Thread.sleep(500);
        running.set(false);
        load.join();
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(10);
    }

    @Test
    @Order(5)
    void meshctlReachesAnHttpsAdminApiWithAnAllowedCertificateOnly() throws Exception {
        String node2 = ports[2].adminAddress();
        String ca = pki.resolve("ca/ca.pem").toString();
        Processes.Result members =
                Processes.meshctl(
                        "--node",
                        node2,
                        "--tls-ca",
                        ca,
                        "--tls-cert",
                        pki.resolve("ops/cert.pem").toString(),
                        "--tls-key",
                        pki.resolve("ops/key.pem").toString(),
                        "members");
        assertThat(members.exitCode()).as(members.stderr()).isZero();
        assertThat(members.stdout()).contains("tls-node-1", "tls-node-2");

        Path route = Processes.WORK.resolve("admin-tls-route.conf");
        Files.writeString(
                route,
                "{ kind = Route, name = echo-by-ops, spec { service = echo, rules = [ {} ] } }\n");
        Processes.Result apply =
                Processes.meshctl(
                        "--node",
                        node2,
                        "--tls-ca",
                        ca,
                        "--tls-cert",
                        pki.resolve("ops/cert.pem").toString(),
                        "--tls-key",
                        pki.resolve("ops/key.pem").toString(),
                        "apply",
                        "-f",
                        route.toString());
        assertThat(apply.exitCode()).as(apply.stderr()).isZero();
        assertThat(apply.stdout()).contains("echo-by-ops");
        // Replicated like any write: node-1 (plain admin on loopback) lists it.
        Eventually.until(
                "node-1 has the route",
                Duration.ofSeconds(10),
                () -> {
                    try {
                        return TestMesh.get(
                                        "http://" + ports[1].adminAddress() + "/v1/resources/route")
                                .body()
                                .contains("echo-by-ops");
                    } catch (Exception e) {
                        return false;
                    }
                });

        String digest = admin(2, "/v1/config/digest").body();
        Processes.Result web =
                Processes.meshctl(
                        "--node",
                        node2,
                        "--tls-ca",
                        ca,
                        "--tls-cert",
                        pki.resolve("web/cert.pem").toString(),
                        "--tls-key",
                        pki.resolve("web/key.pem").toString(),
                        "delete",
                        "route",
                        "echo-by-ops");
        assertThat(web.exitCode()).isEqualTo(1);
        assertThat(web.stderr().strip())
                .startsWith(
                        "meshctl: spiffe://mesh.test/service/web is not allowed to use this admin API")
                .doesNotContain("\n");
        Processes.Result noCertificate =
                Processes.meshctl(
                        "--node", node2, "--tls-ca", ca, "delete", "route", "echo-by-ops");
        assertThat(noCertificate.exitCode()).isEqualTo(1);
        assertThat(noCertificate.stderr()).contains("this node requires a client certificate");
        Processes.Result plain = Processes.meshctl("--node", node2, "members");
        assertThat(plain.exitCode()).as("plain HTTP gets no answer").isEqualTo(3);
        assertThat(admin(2, "/v1/config/digest").body()).as("nothing changed").isEqualTo(digest);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * GET on a node's admin API: HTTPS with the ops certificate for node-2, plain HTTP for the
     * others.
     */
    private HttpResponse<String> admin(int node, String path)
            throws IOException, InterruptedException {
        if (node != 2) {
            return TestMesh.get("http://" + ports[node].adminAddress() + path);
        }
        return opsClient.send(
                HttpRequest.newBuilder(URI.create("https://" + ports[node].adminAddress() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int adminStatus(int node, String path) {
        try {
            return admin(node, path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private int callEcho() {
        try {
            return viaNode1.send(
                            HttpRequest.newBuilder(URI.create("http://echo/hello"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private long reloads(int node) {
        try {
            // Protobuf's JSON writes int64 as a string.
            return Long.parseLong(
                    String.valueOf(TestMesh.json(admin(node, "/v1/tls").body()).get("reloads")));
        } catch (Exception e) {
            return -1;
        }
    }

    private static void meshctlOk(String... args) throws Exception {
        Processes.Result r = Processes.meshctl(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.stderr()).isZero();
    }

    private static String exchange(Socket socket) throws IOException {
        return exchange(socket, "GET /hello HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n");
    }

    /** Writes the request and reads until the node closes the connection (or 5 s pass). */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.setSoTimeout(5000);
        try {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    private static String tlsExchange(int port, Issued client) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) context(client).getSocketFactory().createSocket("127.0.0.1", port)) {
            return exchange(socket);
        }
    }

    private static X509Certificate serverCertificate(int port, Issued client) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) context(client).getSocketFactory().createSocket("127.0.0.1", port)) {
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
        // Trusts any server: these tests judge the node's answers, not its certificate. Extended,
        // so
        // the JDK checks no host name either (mesh certificates name none).
        context.init(
                keys == null ? null : keys.getKeyManagers(),
                new TrustManager[] {
                    new X509ExtendedTrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkClientTrusted(
                                X509Certificate[] chain, String authType, Socket socket) {}

                        @Override
                        public void checkServerTrusted(
                                X509Certificate[] chain, String authType, Socket socket) {}

                        @Override
                        public void checkClientTrusted(
                                X509Certificate[] chain,
                                String authType,
                                javax.net.ssl.SSLEngine engine) {}

                        @Override
                        public void checkServerTrusted(
                                X509Certificate[] chain,
                                String authType,
                                javax.net.ssl.SSLEngine engine) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        return context;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
