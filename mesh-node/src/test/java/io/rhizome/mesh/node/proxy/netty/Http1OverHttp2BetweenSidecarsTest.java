package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code proxy.peer-protocol = http2}: node A carries its HTTP/1.1 callers' requests to node B as
 * streams of a shared HTTP/2 connection, and node B calls its HTTP/1.1-only instance (the JDK's
 * HttpServer) over HTTP/1.1 again. A counting relay between the nodes shows how many connections
 * crossed.
 */
@Timeout(60)
class Http1OverHttp2BetweenSidecarsTest {
    private static EchoUpstream instance;
    private static TestDataPlane b;
    private static TestDataPlane a;
    private static CountingRelay relay;

    @BeforeAll
    static void start() throws Exception {
        instance = EchoUpstream.start();
        b = TestDataPlane.builder().node("node-b").service("orders", instance.address()).start();
        relay = new CountingRelay(b.inboundPort());
        a =
                TestDataPlane.builder()
                        .node("node-a")
                        .config("rhizome.proxy.peer-protocol = http2")
                        .endpoints(
                                "orders",
                                TestDataPlane.remote(
                                        "node-b",
                                        "orders",
                                        instance.address(),
                                        new HostPort("127.0.0.1", relay.port())))
                        .start();
    }

    @AfterAll
    static void stop() throws IOException {
        for (AutoCloseable c : new AutoCloseable[] {a, b, instance}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the rest still close
            }
        }
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void http1CallersRequestsShareOneHttp2ConnectionAndReachTheInstanceAsHttp1() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<RawHttp.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(
                        clients.submit(
                                () -> {
                                    try (RawHttp http = RawHttp.connect(a.outboundPort())) {
                                        RawHttp.Response last = null;
                                        for (int r = 0; r < 5; r++) {
                                            last =
                                                    http.send(
                                                                    "GET /headers HTTP/1.1\r\nHost: orders\r\nx-app: kept\r\n\r\n")
                                                            .read();
                                            assertThat(last.status()).isEqualTo(200);
                                        }
                                        return last;
                                    }
                                }));
            }
            for (Future<RawHttp.Response> f : answers) {
                String seen = f.get(30, TimeUnit.SECONDS).text();
                assertThat(seen)
                        .startsWith("GET /headers\n")
                        .contains("x-app: kept")
                        .contains("host: orders")
                        .doesNotContain("x-rhizome-protocol");
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(relay.accepted())
                .as("connections from node A to node B's inbound port")
                .isEqualTo(1);
    }

    @Test
    void aBodyAndItsLengthCrossBothWays() throws Exception {
        byte[] body = EchoUpstream.pattern(200_000);
        try (RawHttp http = RawHttp.connect(a.outboundPort())) {
            http.send(
                    "POST /upload HTTP/1.1\r\nHost: orders\r\ncontent-length: "
                            + body.length
                            + "\r\n\r\n");
            http.sendBytes(body);
            RawHttp.Response r = http.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(body.length + " " + EchoUpstream.sha256(body));
        }
    }

    /** Forwards bytes to a port on loopback, counting the connections it accepted. */
    static final class CountingRelay implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicInteger accepted = new AtomicInteger();
        private final ExecutorService threads = Executors.newCachedThreadPool();

        CountingRelay(int target) throws IOException {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            threads.submit(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                Socket in = server.accept();
                                accepted.incrementAndGet();
                                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                                threads.submit(() -> pipe(in, out));
                                threads.submit(() -> pipe(out, in));
                            } catch (IOException e) {
                                return;
                            }
                        }
                    });
        }

        private static void pipe(Socket from, Socket to) {
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    to.close();
                    from.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
