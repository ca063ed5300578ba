package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.rhizome.mesh.protocol.v1.MembersResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class NodeClientTest {

    @Test
    void nodeThatNeverAnswersIsUnreachableAfterTheRequestTimeout() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.close();
                });
        server.start();
        try {
            NodeAddress address = NodeAddress.parse("127.0.0.1:" + server.getAddress().getPort());
            NodeClient client =
                    NodeClient.create(address, null, Duration.ofSeconds(2), Duration.ofMillis(200));

            assertThatThrownBy(
                            () -> client.get("/v1/members", MembersResponse.getDefaultInstance()))
                    .isInstanceOf(NodeUnreachableException.class)
                    .hasMessage("cannot reach node " + address + ": no answer within 200ms")
                    .extracting(e -> ((MeshctlException) e).exitCode())
                    .isEqualTo(3);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void segmentEncodesSpacesAndSlashes() {
        assertThat(NodeClient.segment("orders")).isEqualTo("orders");
        assertThat(NodeClient.segment("a b/c+d")).isEqualTo("a%20b%2Fc%2Bd");
    }
}
