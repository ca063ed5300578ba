package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.testsupport.Eventually;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * gRPC through two sidecars, as a gRPC client of grpc-java sees it: the client speaks HTTP/2 with
 * prior knowledge to node A's outbound port (the same port that serves HTTP/1.1) naming the service
 * {@code greeter} as its authority; node A balances each call over the instances behind nodes B and
 * C, and reaches them over HTTP/2 on their inbound ports.
 */
@Tag("slow") // several seconds: real clusters or nodes
class GrpcThroughTheMeshTest {
    private static final String POLICIES =
            """
            resources = [
              { kind = Route, name = greeter, spec { service = greeter, rules = [
                  { match { grpc { service = rhizome.test.Greeter, method = Hang } }, timeout = 300ms }
                  { }
              ] } }
              { kind = Route, name = flaky, spec { service = flaky, rules = [
                  { retries { attempts = 2, on = [unavailable] } }
              ] } }
            ]
            """;

    private static GreeterServer instanceB;
    private static GreeterServer instanceC;

    /** Behind node-b as service "flaky" (and "unretried"): every Hello fails with UNAVAILABLE. */
    private static GreeterServer overloaded;

    private static TestDataPlane a;
    private static TestDataPlane b;
    private static TestDataPlane c;
    private static ManagedChannel channel;
    private static final java.util.concurrent.ConcurrentLinkedQueue<
                    io.rhizome.mesh.node.observability.RequestRecord>
            records = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        instanceB = GreeterServer.start("b");
        instanceC = GreeterServer.start("c");
        overloaded = GreeterServer.startUnavailable("overloaded");
        b =
                TestDataPlane.builder()
                        .node("node-b")
                        .service("greeter", instanceB.address())
                        .localEndpoint("greeter", instanceB.address())
                        .service("h2only", instanceB.address(), "http2")
                        .localEndpoint("h2only", instanceB.address())
                        .service("flaky", overloaded.address())
                        .service("unretried", overloaded.address())
                        .start();
        HostPort inboundB = new HostPort("127.0.0.1", b.inboundPort());
        c =
                TestDataPlane.builder()
                        .node("node-c")
                        .service("greeter", instanceC.address())
                        .localEndpoint("greeter", instanceC.address())
                        .service("flaky", instanceC.address())
                        .service("unretried", instanceC.address())
                        .start();
        HostPort inboundC = new HostPort("127.0.0.1", c.inboundPort());
        a =
                TestDataPlane.builder()
                        .node("node-a")
                        .endpoints(
                                "greeter",
                                TestDataPlane.remote(
                                        "node-b",
                                        "greeter",
                                        instanceB.address(),
                                        new HostPort("127.0.0.1", b.inboundPort())),
                                TestDataPlane.remote(
                                        "node-c",
                                        "greeter",
                                        instanceC.address(),
                                        new HostPort("127.0.0.1", c.inboundPort())))
                        .endpoints(
                                "flaky",
                                TestDataPlane.remote(
                                        "node-b", "flaky", overloaded.address(), inboundB),
                                TestDataPlane.remote(
                                        "node-c", "flaky", instanceC.address(), inboundC))
                        .endpoints(
                                "unretried",
                                TestDataPlane.remote(
                                        "node-b", "unretried", overloaded.address(), inboundB),
                                TestDataPlane.remote(
                                        "node-c", "unretried", instanceC.address(), inboundC))
                        .endpoints(
                                "h2only",
                                TestDataPlane.remote(
                                        "node-b",
                                        "h2only",
                                        instanceB.address(),
                                        new HostPort("127.0.0.1", b.inboundPort())))
                        .policies(POLICIES)
                        .start();
        a.dataPlane().observers().register(records::add);
        channel = channelTo("greeter");
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (TestDataPlane node : new TestDataPlane[] {a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
        for (GreeterServer s : new GreeterServer[] {instanceB, instanceC, overloaded}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static ManagedChannel channelTo(String authority) {
        return NettyChannelBuilder.forAddress("127.0.0.1", a.outboundPort())
                .usePlaintext()
                .overrideAuthority(authority)
                .maxInboundMessageSize(GreeterServer.MAX_MESSAGE)
                .build();
    }

    @Test
    void unaryCallOfFiveMegabytesWithMetadataComesBackWhole() {
        byte[] big = new byte[5 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Metadata headers = new Metadata();
        headers.put(GreeterServer.META, "plain text");
        headers.put(GreeterServer.META_BIN, new byte[] {0, 1, 2, (byte) 0xff, '\n'});
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        io.grpc.Channel withMetadata =
                ClientInterceptors.intercept(
                        channel,
                        MetadataUtils.newAttachHeadersInterceptor(headers),
                        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));

        byte[] answer =
                ClientCalls.blockingUnaryCall(withMetadata, GreeterServer.HELLO, deadline(20), big);

        String prefix = new String(answer, 0, 2, StandardCharsets.UTF_8);
        assertThat(prefix).isIn("b:", "c:");
        assertThat(answer).hasSize(big.length + 2);
        assertThat(java.util.Arrays.copyOfRange(answer, 2, answer.length)).isEqualTo(big);
        assertThat(trailers.get().get(GreeterServer.ECHO_META)).isEqualTo("plain text");
        assertThat(trailers.get().get(GreeterServer.ECHO_META_BIN))
                .containsExactly(0, 1, 2, 0xff, '\n');
    }

    @Test
    void errorStatusNonAsciiMessageAndCustomTrailersPassUnchanged() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        io.grpc.Channel capturing =
                ClientInterceptors.intercept(
                        channel,
                        MetadataUtils.newCaptureMetadataInterceptor(
                                new AtomicReference<>(), trailers));

        assertThatThrownBy(
                        () ->
                                ClientCalls.blockingUnaryCall(
                                        capturing, GreeterServer.FAIL, deadline(10), new byte[0]))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                            assertThat(e.getStatus().getDescription())
                                    .isEqualTo(GreeterServer.FAIL_MESSAGE);
                            assertThat(e.getTrailers().get(GreeterServer.REASON)).isEqualTo("nope");
                        });
    }

    @Test
    void serverStreamingClientStreamingAndBidirectionalCallsWork() throws Exception {
        Iterator<byte[]> counted =
                ClientCalls.blockingServerStreamingCall(
                        channel,
                        GreeterServer.COUNT,
                        deadline(10),
                        "500".getBytes(StandardCharsets.US_ASCII));
        List<String> seen = new ArrayList<>();
        counted.forEachRemaining(m -> seen.add(new String(m, StandardCharsets.US_ASCII)));
        assertThat(seen).hasSize(500).startsWith("0", "1").endsWith("499");

        Collector sum = new Collector();
        StreamObserver<byte[]> up =
                ClientCalls.asyncClientStreamingCall(
                        channel.newCall(GreeterServer.SUM, deadline(10)), sum);
        for (int i = 0; i < 100; i++) {
            up.onNext(new byte[1000]);
        }
        up.onCompleted();
        assertThat(sum.done.get(10, TimeUnit.SECONDS)).containsExactly("100000");

        Collector echoed = new Collector();
        StreamObserver<byte[]> both =
                ClientCalls.asyncBidiStreamingCall(
                        channel.newCall(GreeterServer.ECHO, deadline(10)), echoed);
        for (int i = 0; i < 50; i++) {
            both.onNext(("m" + i).getBytes(StandardCharsets.US_ASCII));
        }
        both.onCompleted();
        List<String> back = echoed.done.get(10, TimeUnit.SECONDS);
        assertThat(back).hasSize(50).startsWith("m0").endsWith("m49");
    }

    @Test
    void callsOnOneChannelAreBalancedPerRequest() {
        Map<String, Integer> byInstance = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            byte[] answer =
                    ClientCalls.blockingUnaryCall(
                            channel, GreeterServer.HELLO, deadline(10), new byte[] {'x'});
            byInstance.merge(new String(answer, 0, 1, StandardCharsets.UTF_8), 1, Integer::sum);
        }
        // One client connection, yet round robin per call: both instances take half.
        assertThat(byInstance).containsOnlyKeys("b", "c");
        assertThat(byInstance.get("b")).isBetween(40, 60);
    }

    @Test
    void anUnknownServiceIsUnimplementedWithTheMeshsReason() throws Exception {
        ManagedChannel nowhere = channelTo("nosuch.mesh");
        try {
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            io.grpc.Channel capturing =
                    ClientInterceptors.intercept(
                            nowhere,
                            MetadataUtils.newCaptureMetadataInterceptor(
                                    new AtomicReference<>(), trailers));
            assertThatThrownBy(
                            () ->
                                    ClientCalls.blockingUnaryCall(
                                            capturing,
                                            GreeterServer.HELLO,
                                            deadline(10),
                                            new byte[0]))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> {
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.UNIMPLEMENTED);
                                assertThat(e.getStatus().getDescription())
                                        .startsWith("unknown-service: ")
                                        .contains("\"nosuch\"");
                                assertThat(
                                                e.getTrailers()
                                                        .get(
                                                                Metadata.Key.of(
                                                                        "x-rhizome-error",
                                                                        Metadata
                                                                                .ASCII_STRING_MARSHALLER)))
                                        .isEqualTo("unknown-service");
                            });
        } finally {
            nowhere.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRouteTimeoutEndsTheCallWithDeadlineExceededAndCancelsItUpstream() throws Exception {
        int cancelledBefore = instanceB.cancelled() + instanceC.cancelled();
        long start = System.nanoTime();
        assertThatThrownBy(
                        () ->
                                ClientCalls.blockingUnaryCall(
                                        channel, GreeterServer.HANG, deadline(10), new byte[0]))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                            assertThat(e.getStatus().getDescription()).startsWith("timeout: ");
                        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        Eventually.within(
                Duration.ofSeconds(5),
                () ->
                        assertThat(instanceB.cancelled() + instanceC.cancelled())
                                .isEqualTo(cancelledBefore + 1));
    }

    @Test
    void aClientCancellationReachesTheInstance() throws Exception {
        int cancelledBefore = instanceB.cancelled() + instanceC.cancelled();
        instanceB.resetHanging();
        instanceC.resetHanging();
        ClientCall<byte[], byte[]> call = channel.newCall(GreeterServer.HANG, CallOptions.DEFAULT);
        Collector ignored = new Collector();
        ClientCalls.asyncUnaryCall(call, new byte[0], ignored);
        Eventually.within(
                Duration.ofSeconds(5),
                () -> assertThat(instanceB.awaitHanging(0) || instanceC.awaitHanging(0)).isTrue());
        call.cancel("the caller gave up", null);
        Eventually.within(
                Duration.ofSeconds(5),
                () ->
                        assertThat(instanceB.cancelled() + instanceC.cancelled())
                                .isEqualTo(cancelledBefore + 1));
    }

    @Test
    void http11CallersShareThePort() throws Exception {
        // The same port as an HTTP proxy (HTTP_PROXY), as HTTP/1.1 apps use it.
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", a.outboundPort())))
                        .build();
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://nosuch/x"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("x-rhizome-error")).hasValue("unknown-service");
    }

    @Test
    void aServiceOfProtocolHttp2IsCalledOverHttp2WhenTheCallerSpeaksHttp11() throws Exception {
        byte[] payload = "over one".getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[5 + payload.length];
        framed[4] = (byte) payload.length; // uncompressed, length in 4 bytes big-endian
        System.arraycopy(payload, 0, framed, 5, payload.length);
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .proxy(
                                ProxySelector.of(
                                        new InetSocketAddress("127.0.0.1", a.outboundPort())))
                        .build();
        HttpResponse<byte[]> response =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://h2only/"
                                                        + GreeterServer.SERVICE
                                                        + "/Hello"))
                                .header("content-type", "application/grpc")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(framed))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());

        // The gRPC server only speaks HTTP/2: an answer at all says the last hop was HTTP/2.
        assertThat(response.statusCode()).isEqualTo(200);
        byte[] body = response.body();
        assertThat(body.length).isGreaterThan(5);
        assertThat(new String(body, 5, body.length - 5, StandardCharsets.UTF_8))
                .isEqualTo("b:over one");
    }

    @Test
    void recordsCarryTheGrpcStatusAndANonOkStatusCountsAsAFailure() throws Exception {
        ClientCalls.blockingUnaryCall(channel, GreeterServer.HELLO, deadline(10), new byte[] {'r'});
        assertThatThrownBy(
                        () ->
                                ClientCalls.blockingUnaryCall(
                                        channel, GreeterServer.FAIL, deadline(10), new byte[0]))
                .isInstanceOf(StatusRuntimeException.class);
        Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                    assertThat(records)
                            .anySatisfy(
                                    r -> {
                                        assertThat(r.path())
                                                .isEqualTo("/" + GreeterServer.SERVICE + "/Hello");
                                        assertThat(r.grpcStatus()).isZero();
                                        assertThat(r.failed()).isFalse();
                                    });
                    assertThat(records)
                            .anySatisfy(
                                    r -> {
                                        assertThat(r.path())
                                                .isEqualTo("/" + GreeterServer.SERVICE + "/Fail");
                                        assertThat(r.status()).isEqualTo(200);
                                        assertThat(r.grpcStatus())
                                                .isEqualTo(Status.Code.NOT_FOUND.value());
                                        assertThat(r.failed()).isTrue();
                                    });
                });
    }

    @Test
    void aRouteThatRetriesUnavailableSendsTheCallToAnotherInstance() throws Exception {
        ManagedChannel flaky = channelTo("flaky");
        ManagedChannel unretried = channelTo("unretried");
        try {
            int before = overloaded.helloCalls();
            for (int i = 0; i < 10; i++) {
                byte[] answer =
                        ClientCalls.blockingUnaryCall(
                                flaky, GreeterServer.HELLO, deadline(10), new byte[] {'r'});
                assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("c:r");
            }
            assertThat(overloaded.helloCalls())
                    .as("calls the overloaded instance answered UNAVAILABLE")
                    .isGreaterThan(before);
            // Without a route that retries it, the instance's UNAVAILABLE reaches the caller.
            int failed = 0;
            for (int i = 0; i < 10; i++) {
                try {
                    ClientCalls.blockingUnaryCall(
                            unretried, GreeterServer.HELLO, deadline(10), new byte[] {'u'});
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    failed++;
                }
            }
            assertThat(failed).isGreaterThan(0);
        } finally {
            flaky.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            unretried.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static CallOptions deadline(int seconds) {
        return CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    /** Collects a call's messages; completes with them, or exceptionally with its error. */
    private static final class Collector implements StreamObserver<byte[]> {
        final List<String> messages = new ArrayList<>();
        final CompletableFuture<List<String>> done = new CompletableFuture<>();

        @Override
        public synchronized void onNext(byte[] value) {
            messages.add(new String(value, StandardCharsets.UTF_8));
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public synchronized void onCompleted() {
            done.complete(List.copyOf(messages));
        }
    }
}
