package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.rhizome.mesh.node.config.HostPort;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that refuses HTTP/2 streams unprocessed (RFC 9113 §8.7: RST_STREAM REFUSED_STREAM, or a
 * GOAWAY whose last stream id is below the stream) costs a gRPC call nothing: the caller's node
 * sends it to another endpoint at once, though a gRPC call is a POST and no retry policy is set.
 */
@Timeout(60)
class RefusedStreamsTest {
    private static GreeterServer instance;
    private static TestDataPlane b;
    private static TestDataPlane a;
    private static RefusingPeer resetting;
    private static RefusingPeer goingAway;

    @BeforeAll
    static void start() throws Exception {
        instance = GreeterServer.start("b");
        b = TestDataPlane.builder().node("node-b").service("greeter", instance.address()).start();
        resetting = new RefusingPeer(false);
        goingAway = new RefusingPeer(true);
        HostPort inboundB = new HostPort("127.0.0.1", b.inboundPort());
        a =
                TestDataPlane.builder()
                        .node("node-a")
                        .endpoints(
                                "greeter",
                                TestDataPlane.remote(
                                        "node-r",
                                        "greeter",
                                        instance.address(),
                                        new HostPort("127.0.0.1", resetting.port())),
                                TestDataPlane.remote(
                                        "node-g",
                                        "greeter",
                                        instance.address(),
                                        new HostPort("127.0.0.1", goingAway.port())),
                                TestDataPlane.remote(
                                        "node-b", "greeter", instance.address(), inboundB))
                        .start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, instance, resetting, goingAway}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void everyCallIsAnsweredWhileTwoOfThreePeersRefuseItsStream() throws Exception {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", a.outboundPort())
                        .usePlaintext()
                        .overrideAuthority("greeter")
                        .build();
        try {
            for (int i = 0; i < 9; i++) {
                byte[] answer =
                        ClientCalls.blockingUnaryCall(
                                channel,
                                GreeterServer.HELLO,
                                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                                ("call " + i).getBytes(StandardCharsets.UTF_8));
                assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("b:call " + i);
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(resetting.refused())
                .as("streams refused with RST_STREAM")
                .isGreaterThanOrEqualTo(1);
        assertThat(goingAway.refused()).as("streams refused by GOAWAY").isGreaterThanOrEqualTo(1);
    }

    /**
     * Speaks just enough HTTP/2 (prior knowledge) to refuse: SETTINGS both ways, then every HEADERS
     * is answered with RST_STREAM REFUSED_STREAM, or with a GOAWAY whose last stream id is 0.
     */
    static final class RefusingPeer implements AutoCloseable {
        private final ServerSocket server =
                new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final AtomicInteger refused = new AtomicInteger();
        private final boolean goAway;

        RefusingPeer(boolean goAway) throws IOException {
            this.goAway = goAway;
            threads.submit(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                Socket s = server.accept();
                                threads.submit(() -> serve(s));
                            } catch (IOException e) {
                                return;
                            }
                        }
                    });
        }

        private void serve(Socket s) {
            try (s) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                in.readFully(new byte[24]); // the client preface
                out.write(frame(0x4, 0, 0, new byte[0])); // our SETTINGS: the defaults
                out.flush();
                byte[] header = new byte[9];
                while (true) {
                    in.readFully(header);
                    int length =
                            ((header[0] & 0xff) << 16)
                                    | ((header[1] & 0xff) << 8)
                                    | (header[2] & 0xff);
                    int type = header[3] & 0xff;
                    int flags = header[4] & 0xff;
                    int stream = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff;
                    in.readFully(new byte[length]);
                    if (type == 0x4 && (flags & 0x1) == 0) {
                        out.write(frame(0x4, 0x1, 0, new byte[0])); // SETTINGS ACK
                    } else if (type == 0x1) {
                        refused.incrementAndGet();
                        if (goAway) {
                            out.write(
                                    frame(
                                            0x7,
                                            0,
                                            0,
                                            ByteBuffer.allocate(8)
                                                    .putInt(0)
                                                    .putInt(0)
                                                    .array())); // last stream 0, NO_ERROR
                            out.flush();
                            // Then close, as a node going away does: gracefully (FIN, then what the
                            // caller still sends is read and dropped), for a close with unread
                            // bytes
                            // is a TCP reset, which may throw away the GOAWAY before it is read.
                            s.shutdownOutput();
                            s.setSoTimeout(5_000);
                            in.transferTo(OutputStream.nullOutputStream());
                            return;
                        }
                        out.write(
                                frame(
                                        0x3,
                                        0,
                                        stream,
                                        ByteBuffer.allocate(4)
                                                .putInt(0x7)
                                                .array())); // REFUSED_STREAM
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the caller closed
            }
        }

        private static byte[] frame(int type, int flags, int stream, byte[] payload) {
            return ByteBuffer.allocate(9 + payload.length)
                    .put((byte) (payload.length >>> 16))
                    .put((byte) (payload.length >>> 8))
                    .put((byte) payload.length)
                    .put((byte) type)
                    .put((byte) flags)
                    .putInt(stream)
                    .put(payload)
                    .array();
        }

        int port() {
            return server.getLocalPort();
        }

        int refused() {
            return refused.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
