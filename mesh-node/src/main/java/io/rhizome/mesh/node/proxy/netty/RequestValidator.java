package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.util.List;

/**
 * What Netty's HTTP/1.1 decoder lets through and a proxy must not (request smuggling, resource
 * use): a transfer coding other than exactly {@code chunked}, and more header fields than {@code
 * rhizome.proxy.max-header-count}. Such a request is marked as a decoder failure, so that the proxy
 * answers it (400, or 431 for the count) and closes the connection without forwarding anything. The
 * rest (Content-Length beside Transfer-Encoding, differing Content-Lengths, bare CR, NUL, a space
 * before the colon, invalid chunk sizes) the decoder refuses itself with RFC 9112 parsing on.
 */
@ChannelHandler.Sharable
final class RequestValidator extends ChannelInboundHandlerAdapter {
    private final int maxHeaderCount;

    RequestValidator(int maxHeaderCount) {
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            check(request);
        }
        ctx.fireChannelRead(msg);
    }

    /** Marks {@code request} as a decoder failure when it is one of the above. */
    void check(HttpRequest request) {
        if (request.decoderResult().isSuccess()) {
            String problem = problem(request);
            if (problem != null) {
                request.setDecoderResult(
                        DecoderResult.failure(
                                problem.startsWith("more than")
                                        ? new TooLongHttpHeaderException(problem)
                                        : new IllegalArgumentException(problem)));
            }
        }
    }

    private String problem(HttpRequest request) {
        if (request.headers().size() > maxHeaderCount) {
            return "more than "
                    + maxHeaderCount
                    + " header fields (rhizome.proxy.max-header-count)";
        }
        List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()
                && (codings.size() > 1 || !codings.get(0).trim().equalsIgnoreCase("chunked"))) {
            return "Transfer-Encoding: "
                    + String.join(", ", codings)
                    + " (expected: chunked alone)";
        }
        return null;
    }
}
