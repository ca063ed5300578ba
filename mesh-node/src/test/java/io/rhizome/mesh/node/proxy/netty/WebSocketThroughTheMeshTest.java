package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.testsupport.Eventually;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * WebSockets through two sidecars, as a WebSocket client sees them: the handshake goes to node A's
 * outbound port naming the service {@code chat}, is routed and balanced like a request, crosses to
 * node B's inbound port and reaches the echo instance; after the 101 both hops carry the frames as
 * bytes.
 */
@Tag("slow") // several seconds: real clusters or nodes
class WebSocketThroughTheMeshTest {
    private static final String POLICIES =
            """
            resources = [
              { kind = Route, name = chat, spec { service = chat, rules = [
                  { match { headers { x-canary = "yes" } }, backends = [ { service = chat-canary } ] }
                  { }
              ] } }
            ]
            """;

    private static WebSockets.EchoServer instance;
    private static WebSockets.EchoServer canary;
    private static TestDataPlane a;
    private static TestDataPlane b;
    private static final ConcurrentLinkedQueue<RequestRecord> records =
            new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        instance = new WebSockets.EchoServer("b");
        canary = new WebSockets.EchoServer("canary");
        // A short HTTP idle timeout: a WebSocket must outlive it; its own (tunnel) idle timeout is
        // longer.
        String timeouts = "rhizome.proxy.idle-timeout = 1s\nrhizome.proxy.tunnel-idle-timeout = 4s";
        b =
                TestDataPlane.builder()
                        .node("node-b")
                        .config(timeouts)
                        .service("chat", instance.address())
                        .localEndpoint("chat", instance.address())
                        .service("chat-canary", canary.address())
                        .start();
        HostPort inboundB = new HostPort("127.0.0.1", b.inboundPort());
        a =
                TestDataPlane.builder()
                        .node("node-a")
                        .config(timeouts)
                        .endpoints(
                                "chat",
                                TestDataPlane.remote(
                                        "node-b", "chat", instance.address(), inboundB))
                        .endpoints(
                                "chat-canary",
                                TestDataPlane.remote(
                                        "node-b", "chat-canary", canary.address(), inboundB))
                        .policies(POLICIES)
                        .start();
        a.dataPlane().observers().register(records::add);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, instance, canary}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the rest still close
            }
        }
    }

    @Test
    void textAndOneMegabyteBinaryMessagesCrossTwoSidecarsBothWays() throws Exception {
        try (WebSockets.Client ws =
                WebSockets.Client.open(a.outboundPort(), "chat.mesh", "/room/1")) {
            assertThat(ws.sendText("hello")).isEqualTo("b: hello");
            assertThat(ws.sendText("grüße ✓")).isEqualTo("b: grüße ✓");
            byte[] big = WebSockets.Client.bytes(1 << 20);
            ws.send(WebSockets.Client.binary(big));
            WebSocketFrame echoed = ws.next();
            try {
                assertThat(echoed).isInstanceOf(BinaryWebSocketFrame.class);
                assertThat(ByteBufUtil.getBytes(echoed.content())).isEqualTo(big);
            } finally {
                echoed.release();
            }
        }
    }

    @Test
    void aPingIsAnsweredByTheInstanceWithItsPayload() throws Exception {
        try (WebSockets.Client ws = WebSockets.Client.open(a.outboundPort(), "chat", "/")) {
            ws.send(
                    new PingWebSocketFrame(
                            Unpooled.copiedBuffer("are you there", StandardCharsets.UTF_8)));
            WebSocketFrame pong = ws.next();
            try {
                assertThat(pong).isInstanceOf(PongWebSocketFrame.class);
                assertThat(pong.content().toString(StandardCharsets.UTF_8))
                        .isEqualTo("are you there");
            } finally {
                pong.release();
            }
        }
    }

    @Test
    void aCloseCodeAndReasonPassUnchangedAndBothHopsClose() throws Exception {
        try (WebSockets.Client ws = WebSockets.Client.open(a.outboundPort(), "chat", "/")) {
            Eventually.within(
                    Duration.ofSeconds(5),
                    () -> assertThat(a.dataPlane().openTunnels()).isGreaterThanOrEqualTo(1));
            ws.send(new CloseWebSocketFrame(4001, "bye, ünïcode"));
            WebSocketFrame reply = ws.next();
            try {
                assertThat(reply).isInstanceOf(CloseWebSocketFrame.class);
                assertThat(((CloseWebSocketFrame) reply).statusCode()).isEqualTo(4001);
                assertThat(((CloseWebSocketFrame) reply).reasonText()).isEqualTo("bye, ünïcode");
            } finally {
                reply.release();
            }
            // The instance closes after its close frame; the tunnels close with it, hop by hop.
            assertThat(ws.channel.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        }
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    assertThat(a.dataPlane().openTunnels()).isZero();
                    assertThat(b.dataPlane().openTunnels()).isZero();
                });
    }

    @Test
    void aQuietWebSocketOutlivesTheHttpIdleTimeoutAndClosesAfterItsOwn() throws Exception {
        try (WebSockets.Client ws = WebSockets.Client.open(a.outboundPort(), "chat", "/")) {
            long start = System.nanoTime();
            // Quiet for more than twice the HTTP idle timeout (1 s, checked every 250 ms): still
            // open.
            assertThat(ws.channel.closeFuture().await(2_600, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(ws.sendText("still here")).isEqualTo("b: still here");
            // Quiet again: the tunnel idle timeout (4 s) closes it, at most a quarter later.
            assertThat(ws.channel.closeFuture().await(8, TimeUnit.SECONDS)).isTrue();
            long quietMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(quietMillis).isBetween(2_600L + 4_000L, 2_600L + 4_000L + 1_000L + 1_500L);
        }
    }

    @Test
    void theHandshakeIsRoutedLikeARequest() throws Exception {
        try (WebSockets.Client ws =
                new WebSockets.Client(a.outboundPort(), "chat", "/", Map.of("x-canary", "yes"))) {
            ws.handshake.get(5, TimeUnit.SECONDS);
            assertThat(ws.sendText("hi")).isEqualTo("canary: hi");
        }
    }

    @Test
    void theHandshakeIsRecordedAs101AndCountedAsATunnel() throws Exception {
        records.clear();
        try (WebSockets.Client ws = WebSockets.Client.open(a.outboundPort(), "chat", "/recorded")) {
            assertThat(ws.sendText("x")).isEqualTo("b: x");
            Eventually.within(
                    Duration.ofSeconds(5),
                    () ->
                            assertThat(records)
                                    .anySatisfy(
                                            r -> {
                                                assertThat(r.path()).isEqualTo("/recorded");
                                                assertThat(r.status()).isEqualTo(101);
                                                assertThat(r.service()).isEqualTo("chat");
                                                assertThat(RequestFlags.has(r.flags(), "tunnel"))
                                                        .isTrue();
                                            }));
        }
    }

    @Test
    void aHandshakeToAnUnknownServiceGetsTheMeshsOwn404() throws Exception {
        try (WebSockets.Client ws =
                new WebSockets.Client(a.outboundPort(), "nosuch", "/", Map.of())) {
            assertThatThrownBy(() -> ws.handshake.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(
                            e -> {
                                WebSocketClientHandshakeException refusal =
                                        WebSockets.Client.refusal(e);
                                assertThat(refusal).isNotNull();
                                assertThat(refusal.response().status().code()).isEqualTo(404);
                                assertThat(refusal.response().headers().get("x-rhizome-error"))
                                        .isEqualTo("unknown-service");
                            });
        }
    }
}
