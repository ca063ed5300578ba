package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The one handler between the decoder and the proxy, in the order the three it replaces had: the
 * {@link RequestValidator}'s checks, the {@link ObsFoldGuard}'s tracker, then {@code 100 Continue}
 * as Netty's {@code HttpServerExpectContinueHandler} sends it. One pipeline hop per decoded message
 * instead of three.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private final RequestValidator validator;
    private final ObsFoldGuard folds;

    RequestGate(RequestValidator validator, ObsFoldGuard folds) {
        this.validator = validator;
        this.folds = folds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            validator.check(request);
            folds.decoded(msg);
            if (HttpUtil.is100ContinueExpected(request)) {
                FullHttpResponse accept = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE);
                accept.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(accept).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                request.headers().remove(HttpHeaderNames.EXPECT);
            }
        } else {
            folds.decoded(msg);
        }
        ctx.fireChannelRead(msg);
    }
}
