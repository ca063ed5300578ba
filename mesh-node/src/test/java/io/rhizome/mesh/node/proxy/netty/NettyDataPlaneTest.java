package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.proxy.BindFailure;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data plane on real sockets: a local app calling through the outbound port, peers through the
 * inbound port.
 */
class NettyDataPlaneTest {
    private static final int FIVE_MB = 5 * 1024 * 1024;

    private static EchoUpstream upstream;
    private static ScriptedUpstream scripted;
    private static int closedPort;
    private static NodeSettings settings;
    private static EndpointSelector selector;
    private static DataPlane dataPlane;
    private static HttpClient client;
    private static MeshEndpoint refusing;
    private static MeshEndpoint stale;

    @BeforeAll
    static void start() throws IOException {
        upstream = EchoUpstream.start();
        scripted = ScriptedUpstream.start();
        int[] ports = FreePorts.next(4);
        closedPort = ports[3]; // nothing listens here: connecting is refused
        settings = settings(ports, "allow");
        refusing =
                endpoint(
                        "node-b/flaky",
                        "flaky",
                        new HostPort("127.0.0.1", closedPort),
                        EndpointStatus.SERVING,
                        false);
        stale = endpoint("node-a/stale", "stale", scripted.address(), EndpointStatus.SERVING, true);
        MeshView view = new MeshView();
        view.publish(
                new MeshSnapshot(
                        Map.of(
                                "stale", List.of(stale),
                                "echo",
                                        List.of(
                                                endpoint(
                                                        "node-a/echo",
                                                        "echo",
                                                        upstream.address(),
                                                        EndpointStatus.SERVING,
                                                        true)),
                                "sick",
                                        List.of(
                                                endpoint(
                                                        "node-a/sick",
                                                        "sick",
                                                        upstream.address(),
                                                        EndpointStatus.NOT_SERVING,
                                                        true)),
                                "dead",
                                        List.of(
                                                endpoint(
                                                        "node-a/dead",
                                                        "dead",
                                                        new HostPort("127.0.0.1", closedPort),
                                                        EndpointStatus.SERVING,
                                                        true)),
                                "flaky",
                                        List.of(
                                                endpoint(
                                                        "node-a/flaky",
                                                        "flaky",
                                                        upstream.address(),
                                                        EndpointStatus.SERVING,
                                                        true),
                                                refusing)),
                        List.of()));
        selector = new EndpointSelector(EjectionTracker.create());
        dataPlane = NettyDataPlane.create(settings, view, selector);
        dataPlane.start();
        client = clientVia(settings.outbound().address().port());
    }

    @AfterAll
    static void stop() throws IOException {
        if (dataPlane != null) {
            dataPlane.stop(Duration.ZERO);
        }
        if (upstream != null) {
            upstream.close();
        }
        if (scripted != null) {
            scripted.close();
        }
    }

    // ------------------------------------------------------------------ fixtures

    /**
     * admin, outbound, inbound ports from {@code ports}; the local service "echo" is the upstream.
     */
    private static NodeSettings settings(int[] ports, String egress) {
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString(
                        """
                rhizome.node.name = node-a
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound { port = %d, egress = %s }
                rhizome.inbound.port = %d
                rhizome.services = [{ name = echo, address = "%s" }]
                """
                                .formatted(
                                        ports[0], ports[1], egress, ports[2], upstream.address())));
    }

    /**
     * A local endpoint is dialled at its address, a remote one at its node's inbound port; both
     * point at {@code at} here.
     */
    private static MeshEndpoint endpoint(
            String id, String service, HostPort at, EndpointStatus status, boolean local) {
        return new MeshEndpoint(
                id,
                service,
                id.substring(0, id.indexOf('/')),
                at,
                at,
                Map.of(),
                status,
                local,
                true,
                "Up");
    }

    /** Distinct ports that were free a moment ago (all held open together, so they differ). */

    /**
     * An app configured with the outbound port as its HTTP proxy (requests go out in
     * absolute-form).
     */
    private static HttpClient clientVia(int outboundPort) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(
                        ProxySelector.of(
                                new InetSocketAddress(
                                        InetAddress.getLoopbackAddress(), outboundPort)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static HttpResponse<String> get(String uri) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int outboundPort() {
        return settings.outbound().address().port();
    }

    private static int inboundPort() {
        return settings.inbound().port();
    }

    // ------------------------------------------------------------------ routing

    @Test
    void hostHeaderFormReachesTheService() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r =
                    conn.send("GET /headers?q=1 HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).startsWith("GET /headers?q=1\n").contains("host: echo\n");
        }
    }

    @Test
    void absoluteFormReachesTheServiceInOriginForm() throws Exception {
        HttpResponse<String> r = get("http://echo/headers?q=2");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers?q=2\n").contains("host: echo\n");
    }

    @Test
    void theMeshSuffixNamesTheSameService() throws Exception {
        HttpResponse<String> r = get("http://echo.mesh/headers");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers\n");
    }

    @Test
    void hopByHopRequestHeadersAreStrippedAndTheClientIsNamedInXForwardedFor() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r =
                    conn.send(
                                    """
                    GET /headers HTTP/1.1\r
                    Host: echo\r
                    Connection: keep-alive, X-Secret-Hop\r
                    X-Secret-Hop: 1\r
                    Keep-Alive: timeout=5\r
                    Proxy-Connection: keep-alive\r
                    TE: trailers\r
                    Trailer: X-Checksum\r
                    Upgrade: websocket\r
                    Proxy-Authorization: Basic dXNlcjpwYXNz\r
                    X-Forwarded-For: 10.1.1.1\r
                    X-End-To-End: kept\r
                    Authorization: Bearer abc\r
                    \r
                    """)
                            .read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text())
                    .contains(
                            "x-end-to-end: kept\n",
                            "authorization: Bearer abc\n",
                            "x-forwarded-for: 10.1.1.1, 127.0.0.1\n")
                    .doesNotContain(
                            "connection:",
                            "x-secret-hop:",
                            "keep-alive:",
                            "proxy-connection:",
                            "te:",
                            "trailer:",
                            "upgrade:",
                            "proxy-authorization:");
        }
    }

    @Test
    void hopByHopResponseHeadersAreStripped() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r =
                    conn.send("GET /hop-response HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-end-to-end")).isEqualTo("kept");
            assertThat(r.headers())
                    .doesNotContainKeys(
                            "x-upstream-hop", "keep-alive", "proxy-authenticate", "connection");
            assertThat(r.text()).isEqualTo("ok");
        }
    }

    @Test
    void anUnknownMeshNameIs404() throws Exception {
        HttpResponse<String> r = get("http://nosuch/x");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("x-rhizome-error")).hasValue("unknown-service");
        assertThat(r.body()).contains("nosuch");
    }

    @Test
    void aServiceWhoseOnlyEndpointIsNotServingIs503() throws Exception {
        HttpResponse<String> r = get("http://sick/x");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-rhizome-error")).hasValue("no-healthy-endpoint");
    }

    @Test
    void anEndpointThatRefusesConnectionsIs502() throws Exception {
        HttpResponse<String> r = get("http://dead/x");

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("x-rhizome-error")).hasValue("upstream-connect-failure");
        assertThat(r.body()).contains("node-a/dead", "connection refused");
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherEndpointAndTheRefusingOneEjected() throws Exception {
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = get("http://flaky/headers?i=" + i);
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
        }

        assertThat(selector.exclusionReason(refusing)).isEqualTo("ejected");
    }

    @Test
    void egressToANonMeshHostIsForwardedWhenAllowed() throws Exception {
        HttpResponse<String> r = get("http://" + upstream.address() + "/headers?egress");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers?egress\n");
    }

    @Test
    void egressIsRefusedWhenDenied() throws Exception {
        NodeSettings deny = settings(FreePorts.next(3), "deny");
        DataPlane denying =
                NettyDataPlane.create(
                        deny, new MeshView(), new EndpointSelector(EjectionTracker.create()));
        denying.start();
        try {
            HttpClient app = clientVia(deny.outbound().address().port());
            HttpResponse<String> r =
                    app.send(
                            HttpRequest.newBuilder(URI.create("http://example.com/")).build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.headers().firstValue("x-rhizome-error")).hasValue("egress-denied");

            try (RawHttp conn = RawHttp.connect(deny.outbound().address().port())) {
                RawHttp.Response tunnel =
                        conn.send(
                                        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                                .read();
                assertThat(tunnel.status()).isEqualTo(403);
                assertThat(tunnel.header("x-rhizome-error")).isEqualTo("egress-denied");
            }
        } finally {
            denying.stop(Duration.ZERO);
        }
    }

    // ------------------------------------------------------------------ malformed requests

    @Test
    void aHeaderLineWithoutAColonIs400() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r =
                    conn.send("GET /headers HTTP/1.1\r\nHost: echo\r\nno-colon-here\r\n\r\n")
                            .read();

            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("x-rhizome-error")).isEqualTo("bad-request");
            assertThat(conn.closedByServer()).isTrue();
        }
    }

    @Test
    void aRequestLineOverTheLimitIs414() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            String path = "/" + "a".repeat(settings.proxy().maxInitialLineLength());
            RawHttp.Response r =
                    conn.send("GET " + path + " HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(414);
            assertThat(r.header("x-rhizome-error")).isEqualTo("uri-too-long");
        }
    }

    @Test
    void aHeaderBlockOverTheLimitIs431() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            String big = "x".repeat(settings.proxy().maxHeaderSize());
            RawHttp.Response r =
                    conn.send("GET /headers HTTP/1.1\r\nHost: echo\r\nX-Big: " + big + "\r\n\r\n")
                            .read();

            assertThat(r.status()).isEqualTo(431);
            assertThat(r.header("x-rhizome-error")).isEqualTo("headers-too-large");
        }
    }

    // ------------------------------------------------------------------ bodies and connections

    @Test
    void aLargeChunkedUploadArrivesIntact() throws Exception {
        byte[] body = EchoUpstream.pattern(FIVE_MB);
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://echo/upload"))
                        .timeout(Duration.ofSeconds(20))
                        // no length known up front: the client sends Transfer-Encoding: chunked
                        .POST(
                                HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(body)))
                        .build();

        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FIVE_MB + " " + EchoUpstream.sha256(body));
    }

    @Test
    void aLargeResponseArrivesIntact() throws Exception {
        HttpResponse<byte[]> r =
                client.send(
                        HttpRequest.newBuilder(URI.create("http://echo/download?bytes=" + FIVE_MB))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(FIVE_MB);
        assertThat(EchoUpstream.sha256(r.body()))
                .isEqualTo(EchoUpstream.sha256(EchoUpstream.pattern(FIVE_MB)));
    }

    @Test
    void aKeepAliveConnectionServesSequentialRequests() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response first =
                    conn.send("GET /headers?n=1 HTTP/1.1\r\nHost: echo\r\n\r\n").read();
            RawHttp.Response second =
                    conn.send("GET /headers?n=2 HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.text()).startsWith("GET /headers?n=1\n");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.text()).startsWith("GET /headers?n=2\n");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            conn.send(
                    "GET /headers?n=1 HTTP/1.1\r\nHost: echo\r\n\r\n"
                            + "GET /headers?n=2 HTTP/1.1\r\nHost: echo\r\n\r\n");

            RawHttp.Response first = conn.read();
            RawHttp.Response second = conn.read();

            assertThat(first.text()).startsWith("GET /headers?n=1\n");
            assertThat(second.text()).startsWith("GET /headers?n=2\n");
        }
    }

    @Test
    void threePipelinedRequestsAreAllAnsweredAndTheConnectionStaysUsable() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            conn.send(
                    "GET /headers?n=1 HTTP/1.1\r\nHost: echo\r\n\r\n"
                            + "GET /headers?n=2 HTTP/1.1\r\nHost: echo\r\n\r\n"
                            + "GET /headers?n=3 HTTP/1.1\r\nHost: echo\r\n\r\n");

            List<String> firstLines = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                firstLines.add(conn.read().text().lines().findFirst().orElse(""));
            }
            RawHttp.Response after =
                    conn.send("GET /headers?n=4 HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(firstLines)
                    .containsExactly("GET /headers?n=1", "GET /headers?n=2", "GET /headers?n=3");
            assertThat(after.text()).startsWith("GET /headers?n=4\n");
        }
    }

    @Test
    void aRequestExpecting100ContinueGetsItAndItsBodyReachesTheUpstreamWithoutExpect()
            throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response interim =
                    conn.send(
                                    "POST /headers HTTP/1.1\r\nHost: echo\r\nContent-Length: 5\r\n"
                                            + "Expect: 100-continue\r\n\r\n")
                            .read();
            RawHttp.Response answer = conn.send("hello").read();
            RawHttp.Response next =
                    conn.send("GET /headers?next HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(interim.status()).isEqualTo(100);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text())
                    .startsWith("POST /headers\n")
                    .contains("content-length: 5")
                    .doesNotContain("expect:");
            assertThat(next.text()).startsWith("GET /headers?next\n");
        }
    }

    @Test
    void aLocalErrorKeepsTheConnectionForTheNextRequest() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response miss = conn.send("GET /x HTTP/1.1\r\nHost: nosuch\r\n\r\n").read();
            RawHttp.Response hit = conn.send("GET /headers HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(miss.status()).isEqualTo(404);
            assertThat(hit.status()).isEqualTo(200);
        }
    }

    @Test
    void aHeadResponseLeavesTheConnectionReadyForTheNextRequest() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response head =
                    conn.send("HEAD /headers HTTP/1.1\r\nHost: echo\r\n\r\n").readHead();
            RawHttp.Response next =
                    conn.send("GET /headers?after-head HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(head.status()).isEqualTo(200);
            assertThat(next.text()).startsWith("GET /headers?after-head\n");
        }
    }

    @Test
    void anHttp10ClientGetsAnHttp10ResponseAndTheConnectionClosed() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r = conn.send("GET /headers HTTP/1.0\r\nHost: echo\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(conn.closedByServer()).isTrue();
        }
    }

    @Test
    void aGetOnAPooledConnectionTheUpstreamClosedIsRetriedTransparently() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get("http://stale/get-" + i);
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(r.body()).isEqualTo("served GET /get-" + i + " HTTP/1.1");
        }

        // get-2 met the pooled connection get-1 was served on, which the upstream closed, then a
        // fresh one
        assertThat(scripted.received())
                .filteredOn(line -> line.startsWith("GET /get-2 "))
                .hasSize(2);
        // a stale pooled connection says nothing about the endpoint's health
        assertThat(selector.exclusionReason(stale)).isEmpty();
    }

    @Test
    void aPostOnAPooledConnectionTheUpstreamClosedIsNotReplayed() throws Exception {
        assertThat(get("http://stale/warm-up").statusCode()).isEqualTo(200);

        HttpResponse<String> r =
                client.send(
                        HttpRequest.newBuilder(URI.create("http://stale/post-once"))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString("order"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("x-rhizome-error")).hasValue("upstream-reset");
        assertThat(scripted.received())
                .filteredOn(line -> line.startsWith("POST /post-once "))
                .hasSize(1);
    }

    @Test
    void aResponseThatBreaksOffClosesTheClientConnection() throws IOException {
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            RawHttp.Response r = conn.send("GET /truncate HTTP/1.1\r\nHost: stale\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("1000");
            assertThat(r.body()).hasSizeLessThan(1000);
            assertThat(conn.closedByServer()).isTrue();
        }
    }

    @Test
    void finishedAndFailedRequestsAreNoLongerCountedInFlight() throws Exception {
        get("http://echo/headers");
        get("http://nosuch/");
        get("http://sick/");
        get("http://dead/");
        get("http://flaky/headers");
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            conn.send("GET /truncate HTTP/1.1\r\nHost: stale\r\n\r\n").read();
        }
        try (RawHttp conn = RawHttp.connect(outboundPort())) {
            // the client leaves while its request is being proxied
            conn.send(
                    "POST /upload HTTP/1.1\r\nHost: echo\r\nContent-Length: 100\r\n\r\nonly part");
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (dataPlane.inFlight() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(dataPlane.inFlight()).isZero();
    }

    // ------------------------------------------------------------------ inbound port

    @Test
    void theInboundPortForwardsToALocallyConfiguredService() throws IOException {
        try (RawHttp conn = RawHttp.connect(inboundPort())) {
            RawHttp.Response r = conn.send("GET /headers?in HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).startsWith("GET /headers?in\n");
        }
    }

    @Test
    void theInboundPortRefusesAServiceThisNodeDoesNotFront() throws IOException {
        try (RawHttp conn = RawHttp.connect(inboundPort())) {
            // "flaky" is a mesh service, but not one configured on this node
            RawHttp.Response r = conn.send("GET /x HTTP/1.1\r\nHost: flaky\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("x-rhizome-error")).isEqualTo("unknown-service");
            assertThat(r.text()).contains("node-a");
        }
    }

    @Test
    void whileDrainingTheInboundPortClosesConnectionsAfterEachResponse() throws IOException {
        NodeSettings own = settings(FreePorts.next(3), "allow");
        DataPlane plane =
                NettyDataPlane.create(
                        own, new MeshView(), new EndpointSelector(EjectionTracker.create()));
        plane.start();
        try (RawHttp conn = RawHttp.connect(own.inbound().port())) {
            RawHttp.Response before =
                    conn.send("GET /headers HTTP/1.1\r\nHost: echo\r\n\r\n").read();
            assertThat(before.header("connection")).isNull();

            plane.drain();
            RawHttp.Response during =
                    conn.send("GET /headers HTTP/1.1\r\nHost: echo\r\n\r\n").read();

            assertThat(during.status()).isEqualTo(200);
            assertThat(during.header("connection")).isEqualTo("close");
            assertThat(conn.closedByServer()).isTrue();
        } finally {
            plane.stop(Duration.ZERO);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Test
    void aPortInUseIsABindFailureNamingTheKey() {
        DataPlane second =
                NettyDataPlane.create(
                        settings, new MeshView(), new EndpointSelector(EjectionTracker.create()));

        assertThatThrownBy(second::start)
                .isInstanceOf(BindFailure.class)
                .hasMessage(
                        "rhizome.outbound.port: "
                                + settings.outbound().address()
                                + " is already in use (expected: a free port)");
    }
}
