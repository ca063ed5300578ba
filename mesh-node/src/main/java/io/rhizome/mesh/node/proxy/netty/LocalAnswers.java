package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import java.nio.charset.StandardCharsets;

/**
 * The one place that shapes what the mesh answers itself, for every protocol: HTTP/1.1 and HTTP/2
 * get the error's status, {@code x-rhizome-error} and a one-line text body; a gRPC call gets what
 * gRPC clients understand, HTTP 200 with only trailers ({@code grpc-status}, {@code grpc-message})
 * and the same {@code x-rhizome-error}. The HTTP/2 stream codec turns a body-less answer into one
 * HEADERS frame that ends the stream (gRPC's trailers-only response).
 */
final class LocalAnswers {
    static final String GRPC_STATUS = "grpc-status";
    static final String GRPC_MESSAGE = "grpc-message";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LocalAnswers() {}

    /** An answer to {@code error}; {@code retryAfterSeconds} > 0 adds {@code Retry-After}. */
    static FullHttpResponse of(
            ProxyErrors error, String message, long retryAfterSeconds, boolean grpc) {
        String text = error.reason() + ": " + message;
        if (grpc) {
            FullHttpResponse response =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpHeaders h = response.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
            h.set(GRPC_STATUS, error.grpcStatus());
            h.set(GRPC_MESSAGE, percentEncode(text));
            h.set(ProxyErrors.HEADER, error.reason());
            if (retryAfterSeconds > 0) {
                h.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
            }
            return response;
        }
        ByteBuf body = Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.status()), body);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        h.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        h.set(ProxyErrors.HEADER, error.reason());
        if (retryAfterSeconds > 0) {
            h.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        return response;
    }

    /**
     * Whether a request is a gRPC call: {@code application/grpc}, alone or with a {@code +codec} or
     * parameters (not gRPC-Web).
     */
    static boolean isGrpc(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
            return false;
        }
        if (contentType.length() == 16) {
            return true;
        }
        char next = contentType.charAt(16);
        return next == '+' || next == ';';
    }

    /**
     * gRPC's percent-encoding of {@code grpc-message}: UTF-8, bytes outside printable ASCII and '%'
     * as %XX.
     */
    static String percentEncode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }
}
