package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 client (curl --http2-prior-knowledge, h2load) calling a service of {@code protocol =
 * http} whose instance speaks HTTP/1.1 only: the instance does not answer HTTP/2's preface, so the
 * node calls it over HTTP/1.1 instead, and the client gets its answers over HTTP/2.
 */
class Http2CallerToHttp1InstanceTest {
    private static InstanceUpstream instance;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("h1");
        node =
                TestDataPlane.builder()
                        .service("shop", instance.address())
                        .localEndpoint("shop", instance.address())
                        .closing(instance)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anHttp2CallerReachesAnHttp11OnlyInstance() throws Exception {
        for (String port : new String[] {"outbound", "inbound"}) {
            try (RawHttp2 c = RawHttp2.connect(node.port(port))) {
                for (int stream = 1; stream <= 5; stream += 2) {
                    c.headers(
                            stream,
                            RawHttp2.request("GET", "shop", "/h2-" + port + "-" + stream),
                            true);
                    int id = stream;
                    RawHttp2.Frame head =
                            c.await(
                                    f -> f.type() == RawHttp2.HEADERS && f.stream() == id,
                                    Duration.ofSeconds(10));
                    assertThat(head)
                            .as(
                                    "response HEADERS of stream "
                                            + stream
                                            + " on the "
                                            + port
                                            + " port")
                            .isNotNull();
                    assertThat(c.decode(head).status().toString()).isEqualTo("200");
                }
            }
            assertThat(instance.received())
                    .contains(
                            "GET /h2-" + port + "-1",
                            "GET /h2-" + port + "-3",
                            "GET /h2-" + port + "-5");
        }
    }
}
