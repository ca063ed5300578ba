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
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * Authorization by verified caller identity: a node serving orders under mTLS, called on its
 * inbound port by workloads holding certificates for web and billing, and by its own app on the
 * local shortcut (whose identity is the node's, orders).
 */
class AuthorizationOverMutualTlsTest {
    @TempDir static Path dir;

    private static final String POLICY =
            """
            { kind = Authorization, name = orders, spec {
                service = orders, default = deny
                rules = [ { action = deny, path-prefixes = ["/admin"] }
                          { action = allow, from = ["spiffe://example.org/service/web"], methods = [GET] }
                          { action = allow, from = ["spiffe://example.org/service/orders"], paths = ["/headers/self"] } ] } }
            """;

    private static CertificateAuthority ca;
    private static EchoUpstream orders;
    private static MeshTls tls;
    private static DataPlane node;
    private static NodeSettings settings;

    @BeforeAll
    static void start() throws IOException {
        ca = CertificateAuthority.createRoot("example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        orders = EchoUpstream.start();
        int[] ports = FreePorts.next(3);
        settings =
                SettingsLoader.fromConfig(
                        ConfigFactory.parseString(
                                """
                rhizome.node.name = node-b
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                rhizome.tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s" }
                rhizome.services = [{ name = orders, address = "%s" }]
                """
                                        .formatted(
                                                ports[0],
                                                ports[1],
                                                ports[2],
                                                dir.resolve("ca/ca.pem"),
                                                dir.resolve("orders/cert.pem"),
                                                dir.resolve("orders/key.pem"),
                                                orders.address())));
        MeshView view = new MeshView();
        view.publish(
                new MeshSnapshot(
                        Map.of(
                                "orders",
                                List.of(
                                        new MeshEndpoint(
                                                "node-b/orders",
                                                "orders",
                                                "node-b",
                                                orders.address(),
                                                settings.inboundAdvertised(),
                                                Map.of(),
                                                EndpointStatus.SERVING,
                                                true,
                                                true,
                                                "Up",
                                                "orders"))),
                        List.of()));
        tls = MeshTls.start(settings.tls(), settings.identityService(), Clock.systemUTC());
        node =
                NettyDataPlane.create(
                        settings,
                        view,
                        new EndpointSelector(EjectionTracker.create()),
                        PolicyViews.fromHocon(POLICY),
                        tls);
        node.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (node != null) {
            node.stop(Duration.ZERO);
        }
        if (tls != null) {
            tls.close();
        }
        if (orders != null) {
            orders.close();
        }
    }

    @Test
    void theCallersCertificateDecides() throws Exception {
        Issued web = ca.issueWorkload("web", Duration.ofHours(1));
        Issued billing = ca.issueWorkload("billing", Duration.ofHours(1));
        assertThat(call(web, "GET /headers")).startsWith("HTTP/1.1 200");
        assertThat(call(web, "GET /admin/users"))
                .startsWith("HTTP/1.1 403")
                .contains("x-rhizome-error: forbidden");
        assertThat(call(web, "GET //admin"))
                .as("normalised before it is matched")
                .startsWith("HTTP/1.1 403");
        assertThat(call(web, "DELETE /headers")).startsWith("HTTP/1.1 403");
        assertThat(call(billing, "GET /headers"))
                .startsWith("HTTP/1.1 403")
                .contains("the default of Authorization orders");
        assertThat(node.authorizationStats().denied("orders")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void onTheLocalShortcutTheCallerIsTheNodesOwnIdentity() throws IOException {
        try (RawHttp app = RawHttp.connect(settings.outbound().address().port())) {
            assertThat(
                            app.send("GET /headers/self HTTP/1.1\r\nHost: orders\r\n\r\n")
                                    .read()
                                    .status())
                    .isEqualTo(200);
            assertThat(app.send("GET /headers HTTP/1.1\r\nHost: orders\r\n\r\n").read().status())
                    .as("orders may call only /headers/self")
                    .isEqualTo(403);
        }
    }

    /** One request over TLS to the inbound port presenting {@code client}; the raw answer. */
    private static String call(Issued client, String requestLine) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, new char[0]);
        store.setKeyEntry(
                "client",
                client.key(),
                new char[0],
                client.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory keys =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                keys.getKeyManagers(),
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        HostPort at = settings.inboundAdvertised();
        try (SSLSocket socket =
                (SSLSocket) context.getSocketFactory().createSocket(at.host(), at.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    (requestLine + " HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
