package io.rhizome.mesh.example.greeter;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The example gRPC service, speaking HTTP/2 without TLS (h2c), as an instance behind a sidecar
 * does.
 *
 * <pre>GreeterService --name NAME --port PORT [--host 127.0.0.1]</pre>
 */
public final class GreeterService implements AutoCloseable {
    private final Server server;
    private final AtomicInteger cancelled = new AtomicInteger();

    private GreeterService(String name, String host, int port) throws IOException {
        ServerServiceDefinition definition =
                ServerServiceDefinition.builder(Greeter.SERVICE)
                        .addMethod(
                                Greeter.SAY_HELLO,
                                ServerCalls.asyncUnaryCall(
                                        (who, out) -> {
                                            out.onNext("hello " + who + " from " + name);
                                            out.onCompleted();
                                        }))
                        .addMethod(
                                Greeter.COUNT,
                                ServerCalls.asyncServerStreamingCall(
                                        (n, out) -> {
                                            int count;
                                            try {
                                                count = Integer.parseInt(n.trim());
                                            } catch (NumberFormatException e) {
                                                out.onError(
                                                        io.grpc.Status.INVALID_ARGUMENT
                                                                .withDescription(
                                                                        "not a number: " + n)
                                                                .asRuntimeException());
                                                return;
                                            }
                                            for (int i = 0; i < count; i++) {
                                                out.onNext(Integer.toString(i));
                                            }
                                            out.onCompleted();
                                        }))
                        .addMethod(
                                Greeter.SUM,
                                ServerCalls.asyncClientStreamingCall(
                                        out ->
                                                new StreamObserver<String>() {
                                                    long total;

                                                    @Override
                                                    public void onNext(String value) {
                                                        total += value.length();
                                                    }

                                                    @Override
                                                    public void onError(Throwable t) {}

                                                    @Override
                                                    public void onCompleted() {
                                                        out.onNext(Long.toString(total));
                                                        out.onCompleted();
                                                    }
                                                }))
                        .addMethod(
                                Greeter.CHAT,
                                ServerCalls.asyncBidiStreamingCall(
                                        out ->
                                                new StreamObserver<String>() {
                                                    @Override
                                                    public void onNext(String value) {
                                                        out.onNext(name + ": " + value);
                                                    }

                                                    @Override
                                                    public void onError(Throwable t) {}

                                                    @Override
                                                    public void onCompleted() {
                                                        out.onCompleted();
                                                    }
                                                }))
                        .addMethod(
                                Greeter.HANG,
                                ServerCalls.asyncUnaryCall(
                                        (ignored, out) ->
                                                ((ServerCallStreamObserver<String>) out)
                                                        .setOnCancelHandler(
                                                                cancelled::incrementAndGet)))
                        .addMethod(
                                Greeter.STATS,
                                ServerCalls.asyncUnaryCall(
                                        (ignored, out) -> {
                                            out.onNext("cancelled=" + cancelled.get());
                                            out.onCompleted();
                                        }))
                        .build();
        server =
                NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                        .maxInboundMessageSize(64 * 1024 * 1024)
                        .addService(definition)
                        .build()
                        .start();
    }

    /** Starts an instance named {@code name} on {@code host:port} (port 0: any free one). */
    public static GreeterService start(String name, String host, int port) throws IOException {
        return new GreeterService(name, host, port);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }

    public static void main(String[] args) throws Exception {
        String name = "greeter";
        String host = "127.0.0.1";
        int port = -1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--name" -> name = value;
                case "--host" -> host = value;
                case "--port" -> port = parsePort(value);
                default -> usage("unknown option '" + args[i] + "'");
            }
            i++;
        }
        if (name == null || host == null || port < 0) {
            usage("--port is required");
        }
        GreeterService service = start(name, host, port);
        System.out.println(
                "greeter " + name + " serving gRPC (h2c) on " + host + ":" + service.port());
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        service.close();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }));
        service.server.awaitTermination();
    }

    private static int parsePort(String value) {
        try {
            int p = Integer.parseInt(value);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // falls through to the usage line
        }
        usage("--port " + value + " (expected: 0..65535)");
        return -1;
    }

    private static void usage(String problem) {
        System.err.println(
                "greeter-service: "
                        + problem
                        + " (usage: greeter-service --name NAME --port PORT [--host HOST])");
        System.exit(2);
    }
}
