package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link RequestGate} in the data plane's own decoding pipeline: what the proxy receives for
 * each kind of request, and the {@code 100 Continue} it answers by itself.
 */
class RequestGateTest {
    private final EmbeddedChannel channel = ObsFoldGuardTest.channel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aRequestWithoutABodyReachesTheProxyAsOneWholeRequest() {
        List<HttpObject> out = feed("GET /a HTTP/1.1\r\nHost: shop\r\nX-Id: 7\r\n\r\n");

        assertThat(out).hasSize(1);
        FullHttpRequest full = (FullHttpRequest) out.get(0);
        assertThat(full.uri()).isEqualTo("/a");
        assertThat(full.headers().get("x-id")).isEqualTo("7");
        assertThat(full.content().readableBytes()).isZero();
        assertThat(full.decoderResult().isSuccess()).isTrue();
        release(out);
    }

    @Test
    void aRequestWithABodyPassesAsItsHeadThenItsContent() {
        List<HttpObject> out =
                feed("POST /b HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhello");

        assertThat(out.get(0)).isInstanceOf(HttpRequest.class).isNotInstanceOf(HttpContent.class);
        StringBuilder body = new StringBuilder();
        for (HttpObject o : out.subList(1, out.size())) {
            body.append(((HttpContent) o).content().toString(StandardCharsets.US_ASCII));
        }
        assertThat(body).hasToString("hello");
        assertThat(out.get(out.size() - 1)).isInstanceOf(LastHttpContent.class);
        release(out);
    }

    @Test
    void pipelinedRequestsKeepTheirOrder() {
        List<HttpObject> out =
                feed(
                        "GET /1 HTTP/1.1\r\nHost: shop\r\n\r\n"
                                + "POST /2 HTTP/1.1\r\nHost: shop\r\nContent-Length: 1\r\n\r\nx"
                                + "GET /3 HTTP/1.1\r\nHost: shop\r\n\r\n");

        List<String> heads =
                out.stream()
                        .filter(o -> o instanceof HttpRequest)
                        .map(o -> ((HttpRequest) o).uri())
                        .toList();
        assertThat(heads).containsExactly("/1", "/2", "/3");
        assertThat(out.get(out.size() - 1)).isInstanceOf(FullHttpRequest.class);
        release(out);
    }

    @Test
    void expectContinueIsAnsweredAtOnceAndNotForwarded() {
        List<HttpObject> out =
                feed(
                        "PUT /c HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");

        ByteBuf written = channel.readOutbound();
        assertThat(written.toString(StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 100 Continue\r\n");
        written.release();
        HttpRequest head = (HttpRequest) out.get(0);
        assertThat(head.headers().contains(HttpHeaderNames.EXPECT)).isFalse();
        release(out);
    }

    @Test
    void aRequestTheValidatorRefusesGoesOnMarkedAsAFailure() {
        List<HttpObject> out =
                feed("POST /d HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");

        HttpRequest head = (HttpRequest) out.get(0);
        assertThat(head.decoderResult().isFailure()).isTrue();
        assertThat(head.decoderResult().cause())
                .hasMessageContaining("Transfer-Encoding")
                .hasMessageContaining("expected: chunked alone");
        release(out);
    }

    @Test
    void tooManyHeaderFieldsAreRefusedByCount() {
        StringBuilder request = new StringBuilder("GET /e HTTP/1.1\r\nHost: shop\r\n");
        for (int i = 0; i < 100; i++) {
            request.append("X-").append(i).append(": v\r\n");
        }
        List<HttpObject> out = feed(request.append("\r\n").toString());

        HttpRequest head = (HttpRequest) out.get(0);
        assertThat(head.decoderResult().cause())
                .hasMessageContaining("more than 100 header fields");
        release(out);
    }

    private List<HttpObject> feed(String wire) {
        channel.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        List<HttpObject> out = new ArrayList<>();
        for (Object o; (o = channel.readInbound()) != null; ) {
            out.add((HttpObject) o);
        }
        return out;
    }

    private static void release(List<HttpObject> out) {
        out.forEach(ReferenceCountUtil::release);
    }
}
