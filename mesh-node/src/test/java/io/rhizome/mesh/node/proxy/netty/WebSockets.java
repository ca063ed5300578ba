package io.rhizome.mesh.node.proxy.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.rhizome.mesh.node.config.HostPort;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket echo server and client of Netty's, for tests of WebSockets through the mesh. */
final class WebSockets {
    static final int MAX_MESSAGE = 2 << 20;

    private WebSockets() {}

    /**
     * Echoes text messages prefixed with its name ({@code b: hello}) and binary messages unchanged;
     * answers pings (Netty's protocol handler) and echoes a close frame's code and reason.
     */
    static final class EchoServer implements AutoCloseable {
        private final EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel listener;

        EchoServer(String name) throws InterruptedException {
            WebSocketServerProtocolConfig config =
                    WebSocketServerProtocolConfig.newBuilder()
                            .websocketPath("/")
                            .checkStartsWith(true)
                            .maxFramePayloadLength(MAX_MESSAGE)
                            .build();
            listener =
                    new ServerBootstrap()
                            .group(group)
                            .channel(NioServerSocketChannel.class)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            ch.pipeline()
                                                    .addLast(
                                                            new HttpServerCodec(),
                                                            new HttpObjectAggregator(65536),
                                                            new WebSocketServerProtocolHandler(
                                                                    config),
                                                            new SimpleChannelInboundHandler<
                                                                    WebSocketFrame>() {
                                                                @Override
                                                                protected void channelRead0(
                                                                        ChannelHandlerContext ctx,
                                                                        WebSocketFrame frame) {
                                                                    if (frame
                                                                            instanceof
                                                                            TextWebSocketFrame
                                                                                    text) {
                                                                        ctx.writeAndFlush(
                                                                                new TextWebSocketFrame(
                                                                                        name
                                                                                                + ": "
                                                                                                + text
                                                                                                        .text()));
                                                                    } else if (frame
                                                                            instanceof
                                                                            BinaryWebSocketFrame) {
                                                                        ctx.writeAndFlush(
                                                                                frame.retain());
                                                                    }
                                                                }
                                                            });
                                        }
                                    })
                            .bind("127.0.0.1", 0)
                            .sync()
                            .channel();
        }

        HostPort address() {
            return new HostPort(
                    "127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
        }

        @Override
        public void close() {
            listener.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /**
     * A WebSocket client connected to {@code port} on loopback, naming {@code authority} as its
     * host.
     */
    static final class Client implements AutoCloseable {
        private final EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final Channel channel;
        final BlockingQueue<WebSocketFrame> received = new LinkedBlockingQueue<>();

        /**
         * Completes when the handshake is done, or with the handshake's failure (its response
         * status in the message).
         */
        final CompletableFuture<Void> handshake = new CompletableFuture<>();

        Client(int port, String authority, String path, Map<String, String> headers)
                throws InterruptedException {
            HttpHeaders extra = new DefaultHttpHeaders();
            headers.forEach(extra::set);
            WebSocketClientHandshaker handshaker =
                    WebSocketClientHandshakerFactory.newHandshaker(
                            URI.create("ws://" + authority + path),
                            WebSocketVersion.V13,
                            null,
                            true,
                            extra,
                            MAX_MESSAGE);
            channel =
                    new Bootstrap()
                            .group(group)
                            .channel(NioSocketChannel.class)
                            .handler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel ch) {
                                            ch.pipeline()
                                                    .addLast(
                                                            new HttpClientCodec(),
                                                            new HttpObjectAggregator(65536),
                                                            new WebSocketClientProtocolHandler(
                                                                    handshaker, false, false),
                                                            new SimpleChannelInboundHandler<
                                                                    WebSocketFrame>() {
                                                                @Override
                                                                protected void channelRead0(
                                                                        ChannelHandlerContext ctx,
                                                                        WebSocketFrame frame) {
                                                                    received.add(frame.retain());
                                                                }

                                                                @Override
                                                                public void userEventTriggered(
                                                                        ChannelHandlerContext ctx,
                                                                        Object evt) {
                                                                    if (evt
                                                                            == WebSocketClientProtocolHandler
                                                                                    .ClientHandshakeStateEvent
                                                                                    .HANDSHAKE_COMPLETE) {
                                                                        handshake.complete(null);
                                                                    }
                                                                    ctx.fireUserEventTriggered(evt);
                                                                }

                                                                @Override
                                                                public void exceptionCaught(
                                                                        ChannelHandlerContext ctx,
                                                                        Throwable cause) {
                                                                    handshake.completeExceptionally(
                                                                            cause);
                                                                    ctx.close();
                                                                }

                                                                @Override
                                                                public void channelInactive(
                                                                        ChannelHandlerContext ctx) {
                                                                    handshake.completeExceptionally(
                                                                            new IllegalStateException(
                                                                                    "closed before the handshake"));
                                                                    ctx.fireChannelInactive();
                                                                }
                                                            });
                                        }
                                    })
                            .connect("127.0.0.1", port)
                            .sync()
                            .channel();
        }

        /** Connects and completes the handshake, or throws what it failed with. */
        static Client open(int port, String authority, String path) throws Exception {
            Client c = new Client(port, authority, path, Map.of());
            c.handshake.get(5, TimeUnit.SECONDS);
            return c;
        }

        void send(WebSocketFrame frame) {
            channel.writeAndFlush(frame).syncUninterruptibly();
        }

        String sendText(String text) throws InterruptedException {
            send(new TextWebSocketFrame(text));
            WebSocketFrame f = next();
            try {
                return ((TextWebSocketFrame) f).text();
            } finally {
                f.release();
            }
        }

        /** The next frame received, waiting at most 5 s. */
        WebSocketFrame next() throws InterruptedException {
            WebSocketFrame f = received.poll(5, TimeUnit.SECONDS);
            if (f == null) {
                throw new AssertionError(
                        "no WebSocket frame within 5 s (connection "
                                + (channel.isActive() ? "open" : "closed")
                                + ")");
            }
            return f;
        }

        static WebSocketClientHandshakeException refusal(Throwable t) {
            Throwable c = t;
            while (c != null && !(c instanceof WebSocketClientHandshakeException)) {
                c = c.getCause();
            }
            return (WebSocketClientHandshakeException) c;
        }

        static byte[] bytes(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (i * 31 + (i >> 8));
            }
            return b;
        }

        static BinaryWebSocketFrame binary(byte[] b) {
            return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b));
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
