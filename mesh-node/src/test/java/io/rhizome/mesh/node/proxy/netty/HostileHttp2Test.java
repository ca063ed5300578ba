package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Headers;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.testsupport.Eventually;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile HTTP/2 on raw frames, on the outbound port and the inbound port alike: each is refused
 * with the RST_STREAM or GOAWAY code RFC 9113 names, nothing reaches the instance, and the node
 * keeps serving other clients.
 */
class HostileHttp2Test {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static InstanceUpstream instance;
    private static ServerSocket sink;
    private static final List<Socket> sinkConnections = new ArrayList<>();
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("i1");
        // An instance that takes connections and never reads: a request body to it backs up.
        sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor =
                new Thread(
                        () -> {
                            try {
                                while (true) {
                                    sinkConnections.add(sink.accept());
                                }
                            } catch (IOException e) {
                                // closed
                            }
                        },
                        "sink-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        node =
                TestDataPlane.builder()
                        .service("shop", instance.address())
                        .localEndpoint("shop", instance.address())
                        .service("sink", new HostPort("127.0.0.1", sink.getLocalPort()))
                        .localEndpoint("sink", new HostPort("127.0.0.1", sink.getLocalPort()))
                        .closing(instance, sink)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void nothingReachedTheInstanceAndOthersAreStillServed() throws Exception {
        assertThat(instance.received()).as("requests the instance received").isEmpty();
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", node.outboundPort())))
                        .build();
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://nosuch/")).timeout(WAIT).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("another client is still served").isEqualTo(404);
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void missingOrBadPseudoHeadersResetTheStream(String port) throws Exception {
        long before = sent("rst_stream", port, "protocol_error");
        assertRefused(
                port, RawHttp2.request("GET", "shop", null), RawHttp2.PROTOCOL_ERROR); // no :path
        assertRefused(
                port, RawHttp2.request(null, "shop", "/x"), RawHttp2.PROTOCOL_ERROR); // no :method
        Http2Headers unknownPseudo = RawHttp2.request("GET", "shop", "/x");
        unknownPseudo.add(":color", "red");
        assertRefused(port, unknownPseudo, RawHttp2.PROTOCOL_ERROR);
        assertThat(sent("rst_stream", port, "protocol_error")).as("counted").isEqualTo(before + 3);
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void connectionSpecificHeadersResetTheStream(String port) throws Exception {
        for (String[] header :
                new String[][] {
                    {"connection", "keep-alive"},
                    {"transfer-encoding", "chunked"},
                    {"upgrade", "websocket"},
                    {"te", "gzip"},
                    {"keep-alive", "timeout=5"},
                    {"proxy-connection", "close"}
                }) {
            assertRefused(
                    port,
                    RawHttp2.request("GET", "shop", "/x", header[0], header[1]),
                    RawHttp2.PROTOCOL_ERROR);
        }
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void anOversizedHeaderListAndAnHpackBombAreRefused(String port) throws Exception {
        String big = "b".repeat(20_000);
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            c.headers(1, RawHttp2.request("GET", "shop", "/x", "x-big", big), true);
            assertThat(c.await(f -> refusal(f, 1), WAIT))
                    .as("an answer refusing stream 1")
                    .isNotNull();
        }
        // 4 KB once into the dynamic table, then referenced 40 times: 160 KB decoded from a few
        // hundred bytes.
        String[] bomb = new String[80];
        for (int i = 0; i < bomb.length; i += 2) {
            bomb[i] = "x-bomb";
            bomb[i + 1] = "c".repeat(4000);
        }
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            c.headers(1, RawHttp2.request("GET", "shop", "/x", bomb), true);
            assertThat(c.await(f -> refusal(f, 1), WAIT))
                    .as("an answer refusing stream 1")
                    .isNotNull();
        }
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void aContinuationFloodEndsTheConnection(String port) throws Exception {
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            byte[] first = c.block(1, RawHttp2.request("GET", "shop", "/x"));
            byte[] small = c.block(1, RawHttp2.request(null, null, null, "x-a", "b"));
            try {
                c.frame(
                        RawHttp2.HEADERS,
                        0,
                        1,
                        first); // no END_HEADERS: CONTINUATION frames must follow
                for (int i = 0; i < 100_000; i++) {
                    c.frame(RawHttp2.CONTINUATION, 0, 1, small);
                }
            } catch (IOException e) {
                // the node closed the connection mid-flood
            }
            RawHttp2.Frame goaway = c.await(f -> f.type() == RawHttp2.GOAWAY, WAIT);
            assertThat(goaway == null ? c.closedWithin(WAIT) : goaway.errorCode() != 0)
                    .as("GOAWAY with an error or the connection closed")
                    .isTrue();
        }
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void rapidResetIsCutOffWithEnhanceYourCalm(String port) throws Exception {
        long before = sent("goaway", port, "enhance_your_calm");
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            int stream = 1;
            try {
                for (int i = 0; i < 1000; i++, stream += 2) {
                    c.headers(stream, RawHttp2.request("GET", "nosuch", "/x"), true);
                    c.rst(stream, RawHttp2.CANCEL);
                }
            } catch (IOException e) {
                // cut off mid-way
            }
            // The node may close before the GOAWAY can be read here (the flood's tail meets a
            // closed socket
            // and resets it); what it sent is in its counter either way.
            RawHttp2.Frame goaway = c.await(f -> f.type() == RawHttp2.GOAWAY, WAIT);
            if (goaway != null) {
                assertThat(goaway.errorCode()).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
            }
        }
        Eventually.within(
                WAIT,
                () ->
                        assertThat(sent("goaway", port, "enhance_your_calm"))
                                .as(
                                        "GOAWAY enhance_your_calm sent, counted in rhizome_http2_frames_sent_total")
                                .isEqualTo(before + 1));
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void moreStreamsThanAllowedAreRefused(String port) throws Exception {
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            // Our limit applies once we acknowledge the node's SETTINGS.
            assertThat(c.await(f -> f.type() == RawHttp2.SETTINGS && f.flags() == 0, WAIT))
                    .isNotNull();
            int stream = 1;
            for (int i = 0; i <= Http2ServerEdge.MAX_CONCURRENT_STREAMS; i++, stream += 2) {
                // Unknown service: answered at once, but each stream stays open while its body may
                // follow.
                c.headers(stream, RawHttp2.request("POST", "nosuch", "/x"), false);
            }
            int last = stream - 2;
            RawHttp2.Frame refused =
                    c.await(f -> f.type() == RawHttp2.RST_STREAM && f.stream() == last, WAIT);
            assertThat(refused).as("RST_STREAM of stream " + last).isNotNull();
            assertThat(refused.errorCode()).isEqualTo(RawHttp2.REFUSED_STREAM);
        }
    }

    @ParameterizedTest(name = "{0} port")
    @ValueSource(strings = {"outbound", "inbound"})
    void dataBeyondTheFlowControlWindowIsAFlowControlError(String port) throws Exception {
        long before =
                sent("goaway", port, "flow_control_error")
                        + sent("rst_stream", port, "flow_control_error");
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            c.headers(1, RawHttp2.request("POST", "sink", "/upload"), false);
            byte[] chunk = new byte[16_384];
            CompletableFuture<Void> flood =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    for (int i = 0;
                                            i < 2_000;
                                            i++) { // 32 MB, far past what the sink's socket and the
                                        // window hold
                                        c.data(1, chunk, false);
                                    }
                                } catch (IOException e) {
                                    // the node ended the stream or the connection
                                }
                            });
            RawHttp2.Frame error =
                    c.await(
                            f ->
                                    f.type() == RawHttp2.GOAWAY
                                            || f.type() == RawHttp2.RST_STREAM && f.stream() == 1,
                            WAIT);
            if (error != null) {
                assertThat(error.errorCode()).isEqualTo(RawHttp2.FLOW_CONTROL_ERROR);
            }
            c.close();
            flood.get();
        }
        // Read or not (the node may close first), the refusal is in its counter.
        Eventually.within(
                WAIT,
                () ->
                        assertThat(
                                        sent("goaway", port, "flow_control_error")
                                                + sent("rst_stream", port, "flow_control_error"))
                                .as("RST_STREAM or GOAWAY flow_control_error sent")
                                .isEqualTo(before + 1));
    }

    /** What rhizome_http2_frames_sent_total says for one frame type, port and error. */
    private static long sent(String frame, String port, String error) {
        long[] n = {0};
        node.dataPlane()
                .http2Stats()
                .forEach(
                        (f, p, e, count) -> {
                            if (f.equals(frame) && p.equals(port) && e.equals(error)) {
                                n[0] = count;
                            }
                        });
        return n[0];
    }

    private static void assertRefused(String port, Http2Headers headers, int code)
            throws IOException {
        try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
            c.headers(1, headers, true);
            RawHttp2.Frame f =
                    c.await(
                            x ->
                                    x.type() == RawHttp2.RST_STREAM && x.stream() == 1
                                            || x.type() == RawHttp2.GOAWAY,
                            WAIT);
            assertThat(f).as("RST_STREAM or GOAWAY for " + headers).isNotNull();
            assertThat(f.errorCode()).as("error code for " + headers).isEqualTo(code);
        }
    }

    /**
     * A refusal of {@code stream}: RST_STREAM, GOAWAY with an error, or a response HEADERS (431).
     */
    private static boolean refusal(RawHttp2.Frame f, int stream) {
        return f.type() == RawHttp2.RST_STREAM && f.stream() == stream
                || f.type() == RawHttp2.GOAWAY && f.errorCode() != 0
                || f.type() == RawHttp2.HEADERS && f.stream() == stream;
    }
}
