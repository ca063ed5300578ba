package io.rhizome.mesh.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.RhizomeNode;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.pekko.cluster.ClusterSettings;
import org.apache.pekko.cluster.JoinConfigCompatChecker$;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The admin API of one real node with a token set: mutations need it (on loopback too), only
 * PUT/POST/DELETE mutate, bad and oversized bodies change nothing, HTTP/2 is not spoken, and the
 * token never reaches the log (INFO and DEBUG) nor the configuration Pekko sends when joining.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiHardeningTest {
    private static final String TOKEN = "t0ken-that-must-never-be-logged";
    private static final String ROUTE =
            "{\"kind\": \"Route\", \"name\": \"r1\", \"spec\": {\"service\": \"orders\", \"rules\": [{}]}}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    private Level rootLevel;
    private RhizomeNode node;
    private int admin;

    @BeforeAll
    void start() throws Exception {
        // Everything the node logs, down to DEBUG, goes to the list instead of the console.
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            detached.add(it.next());
        }
        detached.forEach(root::detachAppender);
        captured.start();
        root.addAppender(captured);
        root.setLevel(Level.DEBUG);

        int cluster = FreePorts.next();
        admin = FreePorts.next();
        node =
                RhizomeNode.start(
                        SettingsLoader.fromConfig(
                                ConfigFactory.parseString(
                                        """
                rhizome {
                  node.name = "node-1"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"], profile = fast }
                  admin { port = %d, token = "%s" }
                  outbound.port = %d
                  inbound.port = %d
                  data-dir = "%s"
                  shutdown { drain-delay = 0s, drain-timeout = 1s }
                }
                pekko.loglevel = DEBUG
                """
                                                .formatted(
                                                        cluster,
                                                        cluster,
                                                        admin,
                                                        TOKEN,
                                                        FreePorts.next(),
                                                        FreePorts.next(),
                                                        Files.createTempDirectory("rhizome-admin")
                                                                .toString()))));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (send("GET", "/readyz", null, null).statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.shutdown();
        }
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(captured);
        detached.forEach(root::addAppender);
        root.setLevel(rootLevel);
    }

    private HttpResponse<String> send(
            String method, String path, String body, String authorization) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body))
                            .header("Content-Type", "application/json");
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String digest() {
        return send("GET", "/v1/config/digest", null, null).body();
    }

    @Test
    void everyMutationNeedsTheTokenOnLoopbackToo() {
        String before = digest();
        for (String auth :
                new String[] {
                    null,
                    "Bearer wrong-token-wrong-token",
                    "Bearer " + TOKEN + "x",
                    TOKEN,
                    "Basic " + TOKEN
                }) {
            HttpResponse<String> put =
                    send("PUT", "/v1/resources/route/r0", ROUTE.replace("r1", "r0"), auth);
            assertThat(put.statusCode()).as("PUT with %s", auth).isEqualTo(401);
            assertThat(put.body()).contains("\"error\": \"unauthorized\"").doesNotContain(TOKEN);
            assertThat(
                            send("POST", "/v1/apply", "{\"resources\": [" + ROUTE + "]}", auth)
                                    .statusCode())
                    .isEqualTo(401);
            assertThat(send("DELETE", "/v1/resources/route/r1", null, auth).statusCode())
                    .isEqualTo(401);
        }
        assertThat(digest()).as("nothing changed").isEqualTo(before);
        assertThat(send("GET", "/v1/resources", null, null).statusCode())
                .as("reads on loopback need no token")
                .isEqualTo(200);

        assertThat(send("PUT", "/v1/resources/route/r1", ROUTE, "Bearer " + TOKEN).statusCode())
                .isBetween(200, 202);
        assertThat(digest()).isNotEqualTo(before);
        assertThat(send("DELETE", "/v1/resources/route/r1", null, "Bearer " + TOKEN).statusCode())
                .isBetween(200, 202);
    }

    @Test
    void malformedOrOversizedBodiesAreRefusedAndChangeNothing() {
        String before = digest();
        String auth = "Bearer " + TOKEN;
        HttpResponse<String> broken =
                send("POST", "/v1/apply", "{\"resources\": [ {\"kind\": ", auth);
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(send("PUT", "/v1/resources/route/r2", "not json at all", auth).statusCode())
                .isEqualTo(400);
        assertThat(
                        send(
                                        "PUT",
                                        "/v1/resources/route/r2",
                                        ROUTE.replace(
                                                "\"rules\": [{}]", "\"rules\": [{\"bogus\": 1}]"),
                                        auth)
                                .statusCode())
                .isEqualTo(400);
        String huge = "{\"resources\": [" + (ROUTE + ",").repeat(20_000) + ROUTE + "]}";
        assertThat(huge.length()).isGreaterThan(1 << 20);
        HttpResponse<String> tooLarge = send("POST", "/v1/apply", huge, auth);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(digest()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void onlyPutPostAndDeleteMutateAndOtherMethodsAre405() {
        String before = digest();
        String auth = "Bearer " + TOKEN;
        HttpResponse<String> patch = send("PATCH", "/v1/resources/route/r3", ROUTE, auth);
        assertThat(patch.statusCode()).isEqualTo(405);
        assertThat(patch.headers().firstValue("Allow"))
                .hasValueSatisfying(a -> assertThat(a).contains("PUT", "DELETE", "GET"));
        assertThat(patch.body()).contains("method-not-allowed");
        assertThat(send("GET", "/v1/apply", null, auth).statusCode()).isEqualTo(405);
        assertThat(send("POST", "/v1/config/digest", "{}", auth).statusCode()).isEqualTo(405);
        assertThat(send("POST", "/v1/resources/route/r3", ROUTE, auth).statusCode()).isEqualTo(405);
        assertThat(send("GET", "/v1/nothing-here", null, auth).statusCode()).isEqualTo(404);
        assertThat(digest()).isEqualTo(before);
    }

    @Test
    void theAdminPortDoesNotSpeakHttp2() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), admin)) {
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(
                            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while (head.size() < 9 && (c = in.read()) != -1) {
                head.write(c);
            }
            assertThat(head.toString(StandardCharsets.ISO_8859_1))
                    .as("an HTTP/1.1 answer, not a SETTINGS frame")
                    .startsWith("HTTP/1.1 ");
        }
    }

    @Test
    void theTokenIsNeverLoggedNorSentWhenJoining() {
        send("PUT", "/v1/resources/route/r4", ROUTE, "Bearer not-the-token-not-the-token");
        send("GET", "/v1/members", null, "Bearer " + TOKEN);
        List<ILoggingEvent> events = List.copyOf(captured.list);
        assertThat(events)
                .as("the node logged at DEBUG")
                .anyMatch(e -> e.getLevel() == Level.DEBUG);
        for (ILoggingEvent e : events) {
            assertThat(e.getFormattedMessage()).doesNotContain(TOKEN);
            if (e.getThrowableProxy() != null) {
                assertThat(e.getThrowableProxy().getMessage()).doesNotContain(TOKEN);
            }
        }
        ClusterSettings cluster = new ClusterSettings(node.settings().pekko(), "test");
        var sent =
                scala.jdk.javaapi.CollectionConverters.asJava(
                        JoinConfigCompatChecker$.MODULE$.removeSensitiveKeys(
                                node.settings().pekko(), cluster));
        assertThat(sent)
                .as("keys Pekko may send in the join compatibility check")
                .isNotEmpty()
                .noneMatch(k -> k.startsWith("rhizome"));
    }
}
