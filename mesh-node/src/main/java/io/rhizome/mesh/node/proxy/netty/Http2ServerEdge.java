package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.rhizome.mesh.node.security.PeerIdentity;

/**
 * The HTTP/2 side of the outbound and inbound ports: one connection carries many streams, and each
 * stream is served by its own {@link ProxyHandler} that sees it as one request and its response
 * (the stream codec turns frames into the same request head, body parts and trailers as HTTP/1.1's
 * decoder does). So every stream is routed, authorized, limited and balanced on its own:
 * per-request load balancing of gRPC. Netty's codec refuses what RFC 9113 forbids
 * (connection-specific headers, bad pseudo-headers, streams over the limit, DATA beyond the window)
 * and bounds floods of RST_STREAM, CONTINUATION, SETTINGS and PING frames.
 */
final class Http2ServerEdge {
    /** Streams one client connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
    static final int MAX_CONCURRENT_STREAMS = 1000;

    /**
     * RST_STREAM frames a client may send in {@link #RST_WINDOW_SECONDS} (rapid reset,
     * CVE-2023-44487): then GOAWAY.
     */
    static final int MAX_RST_PER_WINDOW = 200;

    static final int RST_WINDOW_SECONDS = 30;

    /**
     * Control frames (SETTINGS and PING acknowledgements, RST_STREAM) queued unread by the client
     * before it is cut off.
     */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;

    private Http2ServerEdge() {}

    /**
     * Puts HTTP/2's handlers at the end of a client connection's pipeline (after any TLS and idle
     * check).
     */
    static void install(ChannelPipeline pipeline, ProxyContext context, ProxyHandler.Mode mode) {
        install(pipeline, context, mode, null);
    }

    /**
     * As above; with {@code fixedService} non-null every request is for that service (an upstream
     * listener's).
     */
    static void install(
            ChannelPipeline pipeline,
            ProxyContext context,
            ProxyHandler.Mode mode,
            String fixedService) {
        int maxHeaderList = context.settings().proxy().maxHeaderSize();
        Http2FrameCodec codec =
                Http2FrameCodecBuilder.forServer()
                        .initialSettings(
                                Http2Settings.defaultSettings()
                                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                                        .maxHeaderListSize(maxHeaderList))
                        .validateHeaders(true)
                        .validateRequiredPseudoHeaders(true)
                        .decoderEnforceMaxRstFramesPerWindow(MAX_RST_PER_WINDOW, RST_WINDOW_SECONDS)
                        .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                        .frameLogger(
                                new CountingFrameLogger(
                                        context.http2Stats(), mode == ProxyHandler.Mode.INBOUND))
                        .build();
        pipeline.addLast("h2", codec)
                .addLast(
                        "h2-streams",
                        new Http2MultiplexHandler(
                                new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        // Authorization reads the caller's identity off the channel
                                        // it serves.
                                        PeerIdentity.of(stream.parent())
                                                .ifPresent(id -> PeerIdentity.set(stream, id));
                                        stream.pipeline()
                                                .addLast(
                                                        "codec",
                                                        new Http2StreamFrameToHttpObjectCodec(
                                                                true, true))
                                                .addLast(
                                                        "proxy",
                                                        new ProxyHandler(
                                                                context, mode, true, fixedService));
                                    }
                                }))
                .addLast("h2-guard", new Http2ConnectionGuard());
    }
}
