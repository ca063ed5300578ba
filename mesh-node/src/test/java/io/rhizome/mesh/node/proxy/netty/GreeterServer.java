package io.rhizome.mesh.node.proxy.netty;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.rhizome.mesh.node.config.HostPort;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (grpc-java over its own Netty) for tests: service {@code rhizome.test.Greeter}
 * with unary, server-streaming, client-streaming and bidirectional methods on raw bytes (no
 * generated code needed). Every answer names the instance; metadata {@code x-meta} and {@code
 * x-meta-bin} come back as trailers {@code echo-meta} and {@code echo-meta-bin}.
 */
final class GreeterServer implements AutoCloseable {
    static final String SERVICE = "rhizome.test.Greeter";
    static final int MAX_MESSAGE = 16 * 1024 * 1024;
    static final Metadata.Key<String> META =
            Metadata.Key.of("x-meta", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<byte[]> META_BIN =
            Metadata.Key.of("x-meta-bin", Metadata.BINARY_BYTE_MARSHALLER);
    static final Metadata.Key<String> ECHO_META =
            Metadata.Key.of("echo-meta", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<byte[]> ECHO_META_BIN =
            Metadata.Key.of("echo-meta-bin", Metadata.BINARY_BYTE_MARSHALLER);
    static final Metadata.Key<String> REASON =
            Metadata.Key.of("x-reason", Metadata.ASCII_STRING_MARSHALLER);

    static final MethodDescriptor.Marshaller<byte[]> BYTES =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(byte[] value) {
                    return new ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };

    /** Answers "NAME:" followed by the request. */
    static final MethodDescriptor<byte[], byte[]> HELLO =
            method("Hello", MethodDescriptor.MethodType.UNARY);

    /** Fails with NOT_FOUND, a non-ASCII message and trailer {@code x-reason}. */
    static final MethodDescriptor<byte[], byte[]> FAIL =
            method("Fail", MethodDescriptor.MethodType.UNARY);

    /** Never answers; counts the calls it saw cancelled. */
    static final MethodDescriptor<byte[], byte[]> HANG =
            method("Hang", MethodDescriptor.MethodType.UNARY);

    /** Sends back as many messages as the request's decimal text says, each its index. */
    static final MethodDescriptor<byte[], byte[]> COUNT =
            method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);

    /** Answers the total byte count of all the messages sent. */
    static final MethodDescriptor<byte[], byte[]> SUM =
            method("Sum", MethodDescriptor.MethodType.CLIENT_STREAMING);

    /** Sends each message back as it arrives. */
    static final MethodDescriptor<byte[], byte[]> ECHO =
            method("Echo", MethodDescriptor.MethodType.BIDI_STREAMING);

    static final String FAIL_MESSAGE = "nicht gefunden: ünïcödé ✓ 100%";

    private final Server server;
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger helloCalls = new AtomicInteger();
    private volatile CountDownLatch hanging = new CountDownLatch(1);

    private GreeterServer(String name, boolean unavailable) throws IOException {
        ServerServiceDefinition definition =
                ServerServiceDefinition.builder(SERVICE)
                        .addMethod(
                                HELLO,
                                ServerCalls.asyncUnaryCall(
                                        (req, out) -> {
                                            helloCalls.incrementAndGet();
                                            if (unavailable) {
                                                out.onError(
                                                        Status.UNAVAILABLE
                                                                .withDescription(
                                                                        name + " is overloaded")
                                                                .asRuntimeException());
                                                return;
                                            }
                                            out.onNext(
                                                    concat(
                                                            (name + ":")
                                                                    .getBytes(
                                                                            StandardCharsets.UTF_8),
                                                            req));
                                            out.onCompleted();
                                        }))
                        .addMethod(
                                FAIL,
                                ServerCalls.asyncUnaryCall(
                                        (req, out) -> {
                                            Metadata trailers = new Metadata();
                                            trailers.put(REASON, "nope");
                                            out.onError(
                                                    Status.NOT_FOUND
                                                            .withDescription(FAIL_MESSAGE)
                                                            .asRuntimeException(trailers));
                                        }))
                        .addMethod(
                                HANG,
                                ServerCalls.asyncUnaryCall(
                                        (req, out) -> {
                                            ((ServerCallStreamObserver<byte[]>) out)
                                                    .setOnCancelHandler(cancelled::incrementAndGet);
                                            hanging.countDown();
                                        }))
                        .addMethod(
                                COUNT,
                                ServerCalls.asyncServerStreamingCall(
                                        (req, out) -> {
                                            int n =
                                                    Integer.parseInt(
                                                            new String(
                                                                    req,
                                                                    StandardCharsets.US_ASCII));
                                            for (int i = 0; i < n; i++) {
                                                out.onNext(
                                                        Integer.toString(i)
                                                                .getBytes(
                                                                        StandardCharsets.US_ASCII));
                                            }
                                            out.onCompleted();
                                        }))
                        .addMethod(
                                SUM,
                                ServerCalls.asyncClientStreamingCall(
                                        out ->
                                                new StreamObserver<byte[]>() {
                                                    long total;

                                                    @Override
                                                    public void onNext(byte[] value) {
                                                        total += value.length;
                                                    }

                                                    @Override
                                                    public void onError(Throwable t) {}

                                                    @Override
                                                    public void onCompleted() {
                                                        out.onNext(
                                                                Long.toString(total)
                                                                        .getBytes(
                                                                                StandardCharsets
                                                                                        .US_ASCII));
                                                        out.onCompleted();
                                                    }
                                                }))
                        .addMethod(
                                ECHO,
                                ServerCalls.asyncBidiStreamingCall(
                                        out ->
                                                new StreamObserver<byte[]>() {
                                                    @Override
                                                    public void onNext(byte[] value) {
                                                        out.onNext(value);
                                                    }

                                                    @Override
                                                    public void onError(Throwable t) {}

                                                    @Override
                                                    public void onCompleted() {
                                                        out.onCompleted();
                                                    }
                                                }))
                        .build();
        server =
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .maxInboundMessageSize(MAX_MESSAGE)
                        .addService(ServerInterceptors.intercept(definition, new EchoMetadata()))
                        .build()
                        .start();
    }

    static GreeterServer start(String name) throws IOException {
        return new GreeterServer(name, false);
    }

    /** An instance whose Hello always fails with UNAVAILABLE (trailers-only). */
    static GreeterServer startUnavailable(String name) throws IOException {
        return new GreeterServer(name, true);
    }

    /** Calls of Hello this instance received. */
    int helloCalls() {
        return helloCalls.get();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getPort());
    }

    /** How many calls of Hang the server saw cancelled. */
    int cancelled() {
        return cancelled.get();
    }

    /** Waits until a call of Hang has arrived since the last reset. */
    boolean awaitHanging(long seconds) throws InterruptedException {
        return hanging.await(seconds, TimeUnit.SECONDS);
    }

    void resetHanging() {
        hanging = new CountDownLatch(1);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static MethodDescriptor<byte[], byte[]> method(
            String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(SERVICE + "/" + name)
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Copies the request's {@code x-meta} and {@code x-meta-bin} into the response's trailers. */
    private static final class EchoMetadata implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String meta = headers.get(META);
            byte[] metaBin = headers.get(META_BIN);
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            if (meta != null) {
                                trailers.put(ECHO_META, meta);
                            }
                            if (metaBin != null) {
                                trailers.put(ECHO_META_BIN, metaBin);
                            }
                            super.close(status, trailers);
                        }
                    },
                    headers);
        }
    }
}
