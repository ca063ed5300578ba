package io.rhizome.mesh.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.RhizomeNode;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.pki.SpiffeVerifier;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real node with mTLS and {@code rhizome.admin.tls} on (and a token too): the admin port speaks
 * HTTPS with the node's certificate; a client certificate of an allowed identity reads and changes,
 * one of another identity gets 403, none gets 401 (probes stay open), the token works instead of a
 * certificate, a foreign CA or plain HTTP gets no answer at all, and no refusal changes anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow") // several seconds: real clusters or nodes
class AdminMutualTlsTest {
    private static final String ROUTE =
            "{\"kind\": \"Route\", \"name\": \"r1\", \"spec\": {\"service\": \"orders\", \"rules\": [{}]}}";

    private static final String TOKEN = "admin-token-also-accepted";

    @TempDir static Path dir;
    private static CertificateAuthority ca;
    private RhizomeNode node;
    private int admin;
    private HttpClient ops;
    private HttpClient web;
    private HttpClient anonymous;
    private HttpClient foreign;

    @BeforeAll
    void start() throws Exception {
        ca = CertificateAuthority.createRoot("example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("node"));
        CertificateAuthority other =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        ops = client(ca.issueWorkload("ops-alice", Duration.ofHours(1)));
        web = client(ca.issueWorkload("web", Duration.ofHours(1)));
        anonymous = client(null);
        foreign = client(other.issueWorkload("ops-alice", Duration.ofHours(1)));

        int[] ports = FreePorts.next(4);
        int cluster = ports[0];
        admin = ports[1];
        node =
                RhizomeNode.start(
                        SettingsLoader.fromConfig(
                                ConfigFactory.parseString(
                                        """
                rhizome {
                  node.name = "node-1"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"], profile = fast }
                  admin { port = %d, token = "%s"
                          tls { enabled = on, allowed-identities = ["spiffe://example.org/service/ops-*"] } }
                  tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s"
                        cluster-identities = ["spiffe://example.org/service/orders"] }
                  outbound.port = %d
                  inbound.port = %d
                  data-dir = "%s"
                  shutdown { drain-delay = 0s, drain-timeout = 1s }
                }
                """
                                                .formatted(
                                                        cluster,
                                                        cluster,
                                                        admin,
                                                        TOKEN,
                                                        dir.resolve("ca/ca.pem"),
                                                        dir.resolve("node/cert.pem"),
                                                        dir.resolve("node/key.pem"),
                                                        ports[2],
                                                        ports[3],
                                                        Files.createTempDirectory(
                                                                "rhizome-admin-tls")))));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (send(anonymous, "GET", "/readyz", null).statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.shutdown();
        }
    }

    /** Trusts the node by the bundle and its SPIFFE id (mesh certificates name no host). */
    private static HttpClient client(Issued certificate) throws Exception {
        KeyManagerFactory keys = null;
        if (certificate != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, new char[0]);
            store.setKeyEntry(
                    "client",
                    certificate.key(),
                    new char[0],
                    certificate.chain().toArray(X509Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
        }
        SpiffeVerifier verifier =
                SpiffeVerifier.create(
                        java.util.List.of(ca.certificate()), "example.org", Clock.systemUTC());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                keys == null ? null : keys.getKeyManagers(),
                new TrustManager[] {new NodeTrust(verifier)},
                null);
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(context)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    private HttpResponse<String> send(HttpClient client, String method, String path, String body) {
        return send(client, method, path, body, null);
    }

    private HttpResponse<String> send(
            HttpClient client, String method, String path, String body, String token) {
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin + path))
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body))
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }

    private String digest() {
        HttpResponse<String> r = send(ops, "GET", "/v1/config/digest", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void anAllowedIdentityReadsAndChanges() {
        String before = digest();
        assertThat(send(ops, "GET", "/v1/members", null).body()).contains("node-1");
        assertThat(send(ops, "GET", "/metrics", null).body())
                .contains("rhizome_tls_handshake_failures_total");

        assertThat(send(ops, "PUT", "/v1/resources/route/r1", ROUTE).statusCode())
                .isBetween(200, 202);
        assertThat(digest()).isNotEqualTo(before);
        assertThat(send(ops, "DELETE", "/v1/resources/route/r1", null).statusCode())
                .isBetween(200, 202);
    }

    @Test
    void anotherIdentityOfTheTrustDomainIsForbiddenAndChangesNothing() {
        String before = digest();
        HttpResponse<String> read = send(web, "GET", "/v1/resources", null);
        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(read.body())
                .contains("\"error\": \"forbidden\"")
                .contains("spiffe://example.org/service/web is not allowed to use this admin API")
                .contains("rhizome.admin.tls.allowed-identities");
        assertThat(
                        send(web, "PUT", "/v1/resources/route/r2", ROUTE.replace("r1", "r2"))
                                .statusCode())
                .isEqualTo(403);
        assertThat(send(web, "POST", "/v1/apply", "{\"resources\": [" + ROUTE + "]}").statusCode())
                .isEqualTo(403);
        assertThat(send(web, "GET", "/metrics", null).statusCode()).isEqualTo(403);
        assertThat(digest()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void withoutACertificateOnlyProbesAndThePageAnswer() {
        String before = digest();
        assertThat(send(anonymous, "GET", "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(send(anonymous, "GET", "/ui", null).statusCode()).isEqualTo(200);
        HttpResponse<String> members = send(anonymous, "GET", "/v1/members", null);
        assertThat(members.statusCode())
                .as("reads need the certificate, on loopback too")
                .isEqualTo(401);
        assertThat(members.body())
                .contains("\"error\": \"unauthorized\"")
                .contains("this node requires a client certificate or a token")
                .doesNotContain(TOKEN);
        assertThat(send(anonymous, "GET", "/metrics", null).statusCode()).isEqualTo(401);
        assertThat(
                        send(anonymous, "PUT", "/v1/resources/route/r3", ROUTE.replace("r1", "r3"))
                                .statusCode())
                .isEqualTo(401);
        assertThat(digest()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void theTokenIsAnAlternativeToTheCertificateNeverAWayAroundIt() {
        assertThat(send(anonymous, "GET", "/v1/members", null, TOKEN).statusCode())
                .as("no certificate, the token")
                .isEqualTo(200);
        assertThat(send(web, "GET", "/v1/members", null, TOKEN).statusCode())
                .as("a refused identity, the token")
                .isEqualTo(200);
        assertThat(send(ops, "GET", "/v1/members", null, "wrong-token-wrong-token").statusCode())
                .as("an allowed identity, a wrong token")
                .isEqualTo(200);
        HttpResponse<String> wrong =
                send(anonymous, "GET", "/v1/members", null, "wrong-token-wrong-token");
        assertThat(wrong.statusCode()).as("no certificate, a wrong token").isEqualTo(401);
        HttpResponse<String> webWrong =
                send(
                        web,
                        "PUT",
                        "/v1/resources/route/r4",
                        ROUTE.replace("r1", "r4"),
                        "wrong-token-wrong-token");
        assertThat(webWrong.statusCode()).as("a refused identity, a wrong token").isEqualTo(403);
        assertThat(webWrong.body()).contains("rhizome.admin.tls.allowed-identities, or the token");
    }

    @Test
    void aForeignCaOrPlainHttpGetsNoAnswer() throws Exception {
        assertThatThrownBy(
                        () ->
                                foreign.send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "https://127.0.0.1:"
                                                                        + admin
                                                                        + "/v1/members"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        String metrics = send(ops, "GET", "/metrics", null).body();
        assertThat(metrics)
                .containsPattern("rhizome_tls_handshake_failures_total\\{side=\"admin\"} [1-9]");

        try (Socket socket = new Socket("127.0.0.1", admin)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    "GET /v1/members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer;
            try (InputStream in = socket.getInputStream()) {
                answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                answer = "";
            }
            assertThat(answer)
                    .as("plain HTTP is not answered in HTTP")
                    .doesNotStartWith("HTTP/")
                    .doesNotContain("members");
        }
    }

    private static final class NodeTrust extends X509ExtendedTrustManager {
        private final SpiffeVerifier verifier;

        NodeTrust(SpiffeVerifier verifier) {
            this.verifier = verifier;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            verifier.verify(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            verifier.verify(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            verifier.verify(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws CertificateException {
            throw new CertificateException("client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
