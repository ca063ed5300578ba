package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The one handler between the decoder and the proxy, in the order the three it replaces had: the
 * {@link RequestValidator}'s checks, the {@link ObsFoldGuard}'s tracker, then {@code 100 Continue}
 * as Netty's {@code HttpServerExpectContinueHandler} sends it. One pipeline hop per decoded message
 * instead of three.
 *
 * <p>A request without a body reaches the proxy as one {@link FullHttpRequest} (its head with an
 * empty body, sharing the decoded headers) instead of a head and an empty last part: the decoder
 * emits the two together, and one message is encoded and flushed to the upstream once instead of
 * twice. Anything else, a refused head included, goes on as the decoder made it.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private final RequestValidator validator;
    private final ObsFoldGuard folds;

    /** A body-less head, until the decoder's empty last part that follows it. */
    private HttpRequest held;

    RequestGate(RequestValidator validator, ObsFoldGuard folds) {
        this.validator = validator;
        this.folds = folds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpRequest head = held;
        if (head != null) {
            held = null;
            if (msg == LastHttpContent.EMPTY_LAST_CONTENT) {
                FullHttpRequest full =
                        new DefaultFullHttpRequest(
                                head.protocolVersion(),
                                head.method(),
                                head.uri(),
                                Unpooled.EMPTY_BUFFER,
                                head.headers(),
                                EmptyHttpHeaders.INSTANCE);
                full.setDecoderResult(head.decoderResult());
                ctx.fireChannelRead(full);
                return;
            }
            ctx.fireChannelRead(head);
        }
        if (msg instanceof HttpRequest request) {
            validator.check(request);
            folds.decoded(msg);
            if (HttpUtil.is100ContinueExpected(request)) {
                FullHttpResponse accept =
                        new DefaultFullHttpResponse(
                                HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE);
                accept.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(accept).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                request.headers().remove(HttpHeaderNames.EXPECT);
            }
            if (!(msg instanceof LastHttpContent)
                    && request.decoderResult().isSuccess()
                    && bodyless(request.headers())) {
                held = request;
                return;
            }
        } else {
            folds.decoded(msg);
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * No Transfer-Encoding, and no Content-Length or 0: the decoder's next message is the empty
     * last part.
     */
    private static boolean bodyless(HttpHeaders h) {
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return false;
        }
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null || length.equals("0");
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        release(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release(ctx);
    }

    /**
     * A held head whose empty last part did not follow (not expected from the decoder) goes on
     * alone.
     */
    private void release(ChannelHandlerContext ctx) {
        HttpRequest head = held;
        if (head != null) {
            held = null;
            ctx.fireChannelRead(head);
        }
    }
}
