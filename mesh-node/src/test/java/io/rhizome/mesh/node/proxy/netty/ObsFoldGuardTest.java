package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The obs-fold guard in the data plane's own decoding pipeline, fed in pieces of every size (down
 * to a byte per read, so a fold split from its line end and heads split from their bodies are
 * covered): what a request becomes must not depend on how the bytes arrive.
 */
class ObsFoldGuardTest {

    private static final String BODY = "a\r\n b\r\n\tc\r\n";
    private static final String CLEAN =
            "POST /length HTTP/1.1\r\nHost: shop\r\nContent-Length: "
                    + BODY.length()
                    + "\r\n\r\n"
                    + BODY
                    + "POST /chunked HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(BODY.length())
                    + ";x=\"y\"\r\n"
                    + BODY
                    + "\r\n2\r\n\r\n\r\n0\r\nX-T: t\r\n\r\n"
                    + "\r\nGET /after HTTP/1.1\r\nHost: shop\r\n\r\n";

    @ParameterizedTest(name = "clean pipelined requests in pieces of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void bodiesAndPipelinedRequestsPassWhateverThePieces(int piece) {
        List<HttpObject> out = decode(CLEAN, piece);
        List<String> requests = new ArrayList<>();
        int bodyBytes = 0;
        for (HttpObject o : out) {
            assertThat(o.decoderResult().isSuccess()).as("%s", o).isTrue();
            if (o instanceof HttpRequest r) {
                requests.add(r.method() + " " + r.uri());
            }
            if (o instanceof HttpContent c) {
                bodyBytes += c.content().readableBytes();
            }
            ReferenceCountUtil.release(o);
        }
        assertThat(requests).containsExactly("POST /length", "POST /chunked", "GET /after");
        assertThat(bodyBytes).isEqualTo(2 * BODY.length() + 2);
    }

    @ParameterizedTest(name = "a fold after a pipelined body in pieces of {0} bytes")
    @ValueSource(ints = {1, 2, 5, 1000})
    void aFoldIsRefusedWhateverThePieces(int piece) {
        List<HttpObject> out =
                decode(
                        CLEAN.replace(
                                "GET /after HTTP/1.1\r\nHost: shop\r\n",
                                "GET /after HTTP/1.1\r\nHost: shop\r\nX-A: a\r\n\tTransfer-Encoding: chunked\r\n"),
                        piece);
        List<String> verdicts = new ArrayList<>();
        for (HttpObject o : out) {
            if (o instanceof HttpRequest r) {
                verdicts.add(
                        r.uri()
                                + " "
                                + (r.decoderResult().isSuccess()
                                        ? "ok"
                                        : r.decoderResult().cause().getMessage()));
            }
            ReferenceCountUtil.release(o);
        }
        assertThat(verdicts)
                .containsExactly("/length ok", "/chunked ok", "/after " + ObsFoldGuard.FOLD);
    }

    @Test
    void aFoldInATrailerFailsTheBodysEnd() {
        List<HttpObject> out =
                decode(
                        "POST /t HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "1\r\na\r\n0\r\nX-T: a\r\n b\r\n\r\n",
                        1);
        LastHttpContent last =
                (LastHttpContent)
                        out.stream()
                                .filter(o -> o instanceof LastHttpContent)
                                .findFirst()
                                .orElseThrow();
        assertThat(last.decoderResult().isFailure()).isTrue();
        out.forEach(ReferenceCountUtil::release);
    }

    @Test
    void aConnectTunnelIsNotReadAsHeads() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
        HttpRequest connect = ch.readInbound();
        assertThat(connect.decoderResult().isSuccess()).isTrue();
        assertThat(connect)
                .isInstanceOf(LastHttpContent.class); // a body-less head comes as one whole request
        ch.pipeline().remove("codec"); // as the proxy does once the tunnel is up
        ch.writeInbound(bytes("\u0016\u0003\u0001\r\n \r\n\r\n"));
        io.netty.buffer.ByteBuf tunnelled = ch.readInbound();
        assertThat(tunnelled.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("\u0016\u0003\u0001\r\n \r\n\r\n");
        tunnelled.release();
        ch.finishAndReleaseAll();
    }

    private static List<HttpObject> decode(String wire, int piece) {
        EmbeddedChannel ch = channel();
        for (int i = 0; i < wire.length(); i += piece) {
            ch.writeInbound(bytes(wire.substring(i, Math.min(wire.length(), i + piece))));
        }
        List<HttpObject> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add((HttpObject) o);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    /** The data plane's own HTTP/1.1 decoding handlers (guard, decoder, {@link RequestGate}). */
    static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        NettyDataPlane.http1Decoding(
                ch.pipeline(), NettyDataPlane.decoderConfig(4096, 8192), new RequestValidator(100));
        return ch;
    }

    private static io.netty.buffer.ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }
}
