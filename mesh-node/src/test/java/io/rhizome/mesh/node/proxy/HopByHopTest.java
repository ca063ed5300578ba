package io.rhizome.mesh.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    @Test
    void removesConnectionSpecificFieldsAndKeepsEndToEndOnes() {
        HttpHeaders h =
                new DefaultHttpHeaders()
                        .add("Connection", "keep-alive")
                        .add("Keep-Alive", "timeout=5")
                        .add("Proxy-Connection", "keep-alive")
                        .add("TE", "trailers")
                        .add("Trailer", "X-Checksum")
                        .add("Transfer-Encoding", "chunked")
                        .add("Upgrade", "h2c")
                        .add("Proxy-Authorization", "Basic dXNlcjpwYXNz")
                        .add("Proxy-Authenticate", "Basic realm=\"proxy\"")
                        .add("Host", "orders")
                        .add("Authorization", "Bearer abc")
                        .add("Content-Type", "application/json")
                        .add("Cache-Control", "no-cache")
                        .add("X-Request-Id", "r-1");

        HopByHop.strip(h);

        assertThat(h.names())
                .containsExactlyInAnyOrder(
                        "Host", "Authorization", "Content-Type", "Cache-Control", "X-Request-Id");
        assertThat(h.get("authorization")).isEqualTo("Bearer abc");
    }

    @Test
    void removesEveryFieldThatConnectionNames() {
        HttpHeaders h =
                new DefaultHttpHeaders()
                        .add("Connection", "close, X-Hop-One")
                        .add("connection", "x-hop-two ,,")
                        .add("X-Hop-One", "1")
                        .add("X-Hop-Two", "2")
                        .add("X-End-To-End", "kept");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("X-End-To-End");
    }

    @Test
    void leavesHeadersWithoutHopByHopFieldsAlone() {
        HttpHeaders h =
                new DefaultHttpHeaders()
                        .add("Host", "orders")
                        .add("Accept", "*/*")
                        .add("Accept", "text/plain");

        HopByHop.strip(h);

        assertThat(h.getAll("accept")).containsExactly("*/*", "text/plain");
        assertThat(h.size()).isEqualTo(3);
    }
}
