package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.rhizome.mesh.example.greeter.Greeter;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * gRPC through real sidecars, as an app with grpc-java sees it: nodes grpc-1..grpc-3
 * (bin/mesh-node) each front one instance of the example greeter (bin/greeter-service, grpc-java
 * speaking h2c); grpc-4 fronts none and is the caller. The client here holds one channel (one
 * HTTP/2 connection) to grpc-4's outbound port, naming the service as its authority. Destructive
 * cases run last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcIT {
    private static final int NODES = 4;
    private static final int CALLER = 4;
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[NODES + 1];
    private final Processes.Started[] nodes = new Processes.Started[NODES + 1];
    private final Processes.Started[] greeters = new Processes.Started[NODES];
    private final int[] greeterPorts = new int[NODES];
    private ManagedChannel channel;

    @BeforeAll
    void startMesh() throws Exception {
        for (int n = 1; n <= NODES; n++) {
            deleteTree(Processes.WORK.resolve("data/grpc-" + n));
        }
        for (int i = 1; i < NODES; i++) {
            greeterPorts[i] = FreePorts.next();
            greeters[i] = Processes.greeter("greeter-" + i, greeterPorts[i]);
        }
        for (int n = 1; n <= NODES; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        List<String> seeds =
                List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        for (int n = 1; n <= NODES; n++) {
            String services =
                    n == CALLER
                            ? ""
                            : "services = [ { name = greeter, address = \"127.0.0.1:%d\" } ]"
                                    .formatted(greeterPorts[n]);
            nodes[n] =
                    Processes.node(
                            "grpc-" + n,
                            TestMesh.writeConfig("grpc-" + n, ports[n], seeds, services));
        }
        for (int n = 1; n <= NODES; n++) {
            int node = n;
            Eventually.until(
                    "grpc-" + n + " /readyz 200",
                    Duration.ofSeconds(60),
                    () -> {
                        if (!nodes[node].process().isAlive()) {
                            throw new AssertionError(
                                    "grpc-" + node + " exited:\n" + nodes[node].tail());
                        }
                        return TestMesh.status("http://" + ports[node].adminAddress() + "/readyz")
                                == 200;
                    });
        }
        Eventually.until(
                "the caller routes to all three greeter instances",
                Duration.ofSeconds(30),
                () -> routable() == 3);
        channel =
                NettyChannelBuilder.forAddress("127.0.0.1", ports[CALLER].outbound())
                        .usePlaintext()
                        .overrideAuthority("greeter")
                        .maxInboundMessageSize(64 * 1024 * 1024)
                        .build();
    }

    @AfterAll
    void stopMesh() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Processes.Started p : Stream.concat(Stream.of(nodes), Stream.of(greeters)).toList()) {
            if (p != null) {
                p.sigkill();
            }
        }
    }

    @Test
    @Order(1)
    void unaryStreamingAndBidirectionalCallsOfFourMegabytesPassThroughTwoSidecars()
            throws Exception {
        String big = "x".repeat(4 * 1024 * 1024 + 7);
        String answer =
                ClientCalls.blockingUnaryCall(channel, Greeter.SAY_HELLO, deadline(30), big);
        assertThat(answer)
                .startsWith("hello xxx")
                .hasSize("hello ".length() + big.length() + " from greeter-1".length());

        Iterator<String> counted =
                ClientCalls.blockingServerStreamingCall(
                        channel, Greeter.COUNT, deadline(30), "1000");
        List<String> seen = new ArrayList<>();
        counted.forEachRemaining(seen::add);
        assertThat(seen).hasSize(1000).startsWith("0").endsWith("999");

        Collected sum = new Collected();
        StreamObserver<String> up =
                ClientCalls.asyncClientStreamingCall(
                        channel.newCall(Greeter.SUM, deadline(30)), sum);
        for (int i = 0; i < 5; i++) {
            up.onNext(big);
        }
        up.onCompleted();
        assertThat(sum.done.get(30, TimeUnit.SECONDS))
                .containsExactly(Long.toString(5L * big.length()));

        Collected chat = new Collected();
        StreamObserver<String> both =
                ClientCalls.asyncBidiStreamingCall(
                        channel.newCall(Greeter.CHAT, deadline(30)), chat);
        for (int i = 0; i < 20; i++) {
            both.onNext("m" + i);
        }
        both.onCompleted();
        List<String> back = chat.done.get(30, TimeUnit.SECONDS);
        assertThat(back).hasSize(20);
        assertThat(back.get(0)).matches("greeter-[123]: m0");
    }

    @Test
    @Order(2)
    void oneChannelsCallsAreSpreadOverEveryInstance() {
        Map<String, Integer> byInstance = new HashMap<>();
        for (int i = 0; i < 99; i++) {
            String answer =
                    ClientCalls.blockingUnaryCall(channel, Greeter.SAY_HELLO, deadline(10), "lb");
            byInstance.merge(answer.substring(answer.lastIndexOf(' ') + 1), 1, Integer::sum);
        }
        System.out.println(
                "FIGURE 99 gRPC calls on one client connection through the mesh: " + byInstance);
        assertThat(byInstance).containsOnlyKeys("greeter-1", "greeter-2", "greeter-3");
        assertThat(byInstance.values()).allSatisfy(n -> assertThat(n).isBetween(23, 43));
    }

    @Test
    @Order(3)
    void aDeadlineEndsTheCallPromptlyAndTheInstanceSeesTheCancellation() throws Exception {
        int before = cancelledOnInstances();
        long start = System.nanoTime();
        assertThatThrownBy(
                        () ->
                                ClientCalls.blockingUnaryCall(
                                        channel,
                                        Greeter.HANG,
                                        CallOptions.DEFAULT.withDeadlineAfter(
                                                500, TimeUnit.MILLISECONDS),
                                        ""))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e ->
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println(
                "FIGURE a gRPC call with a 500 ms deadline ended after " + millis + " ms");
        assertThat(millis).isLessThan(1500);
        Eventually.until(
                "the instance sees the call cancelled",
                Duration.ofSeconds(10),
                () -> cancelledOnInstances() == before + 1);
    }

    @Test
    @Order(4)
    void anUnknownServiceIsUnimplemented() throws Exception {
        ManagedChannel nowhere =
                NettyChannelBuilder.forAddress("127.0.0.1", ports[CALLER].outbound())
                        .usePlaintext()
                        .overrideAuthority("nosuch")
                        .build();
        try {
            assertThatThrownBy(
                            () ->
                                    ClientCalls.blockingUnaryCall(
                                            nowhere, Greeter.SAY_HELLO, deadline(10), "x"))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> {
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.UNIMPLEMENTED);
                                assertThat(e.getStatus().getDescription())
                                        .startsWith("unknown-service");
                            });
        } finally {
            nowhere.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void aThousandConcurrentStreamsOnOneConnectionPassWithTheNodesHeapBounded() throws Exception {
        int streams = 1000;
        List<Collected> calls = new ArrayList<>();
        List<StreamObserver<String>> senders = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            Collected c = new Collected();
            calls.add(c);
            senders.add(
                    ClientCalls.asyncBidiStreamingCall(
                            channel.newCall(Greeter.CHAT, deadline(60)), c));
        }
        // Every stream is open at once (none has ended); each now sends 16 KB in four messages.
        String chunk = "y".repeat(4096);
        for (int round = 0; round < 4; round++) {
            for (StreamObserver<String> s : senders) {
                s.onNext(chunk);
            }
        }
        senders.forEach(StreamObserver::onCompleted);
        for (Collected c : calls) {
            assertThat(c.done.get(60, TimeUnit.SECONDS)).hasSize(4);
        }
        assertThat(nodes[CALLER].process().isAlive()).isTrue();
        String metrics = TestMesh.get("http://" + ports[CALLER].adminAddress() + "/metrics").body();
        double used = heapMetric(metrics, "jvm_memory_bytes_used");
        double max = heapMetric(metrics, "jvm_memory_bytes_max");
        System.out.printf(
                "FIGURE %d concurrent gRPC streams on one connection through two sidecars: the caller's heap %.1f MiB"
                        + " used of %.1f MiB after them%n",
                streams, used / 1048576, max / 1048576);
        // The launcher bounds the heap (a sidecar's small -Xmx): all the streams fit in it, none
        // failed.
        assertThat(max)
                .as("the caller's maximum heap")
                .isPositive()
                .isLessThanOrEqualTo(128 * 1048576);
        assertThat(used).isLessThan(max);
    }

    /** The sum of a heap memory gauge's samples in Prometheus text. */
    private static double heapMetric(String metrics, String name) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    @Order(6)
    void aServingNodeStoppedWithSigtermUnderLoadFailsNoCall() throws Exception {
        try (CallLoad load = new CallLoad(channel, 8)) {
            Eventually.until(
                    "load runs on every instance",
                    Duration.ofSeconds(20),
                    () -> load.okByInstance.size() == 3);
            nodes[3].sigterm();
            long stoppedAt = System.nanoTime();
            assertThat(nodes[3].process().waitFor(30, TimeUnit.SECONDS))
                    .as("grpc-3 exits after draining")
                    .isTrue();
            load.awaitMore(200, Duration.ofSeconds(20));
            load.stop();
            System.out.printf(
                    "FIGURE SIGTERM of a serving node under gRPC load (8 callers): %d calls failed of %d; it exited %d ms"
                            + " after the signal%n",
                    load.failures.size(), load.ok(), (System.nanoTime() - stoppedAt) / 1_000_000);
            assertThat(load.failures)
                    .as("calls failed while a node drained (GOAWAY, then stop)")
                    .isEmpty();
        }
    }

    @Test
    @Order(7)
    void killingAServingNodeFailsOnlyCallsInFlightThereAndThoseEndPromptlyAsUnavailable()
            throws Exception {
        try (CallLoad load = new CallLoad(channel, 8)) {
            Eventually.until(
                    "load runs on both instances left",
                    Duration.ofSeconds(20),
                    () ->
                            load.okByInstance
                                    .keySet()
                                    .containsAll(List.of("greeter-1", "greeter-2")));
            nodes[2].sigkill();
            long killedAt = System.nanoTime();
            load.awaitMore(200, Duration.ofSeconds(20));
            load.stop();
            long worst = load.failures.stream().mapToLong(f -> f[1]).max().orElse(0);
            System.out.printf(
                    "FIGURE kill -9 of a serving node under gRPC load (8 callers): %d calls failed (worst after %d ms),"
                            + " %d ms of load after the kill%n",
                    load.failures.size(), worst, (System.nanoTime() - killedAt) / 1_000_000);
            // Calls already at the killed node fail (one per caller at most), and so can a call
            // written to its
            // connection before the reset was read (a POST, not retried): at most two per caller,
            // all
            // UNAVAILABLE, none hanging.
            assertThat(load.failures.size()).isLessThanOrEqualTo(16);
            assertThat(load.failures)
                    .allSatisfy(
                            f -> {
                                assertThat(f[0]).isEqualTo(Status.Code.UNAVAILABLE.value());
                                assertThat(f[1]).isLessThan(5000);
                            });
        }
    }

    /** Callers that make unary calls back to back on the shared channel until stopped. */
    private static final class CallLoad implements AutoCloseable {
        final ConcurrentLinkedQueue<long[]> failures =
                new ConcurrentLinkedQueue<>(); // {status code, millis}
        final Map<String, Integer> okByInstance = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService callers;
        private final List<CompletableFuture<Void>> loops = new ArrayList<>();

        CallLoad(ManagedChannel channel, int callers) {
            this.callers = Executors.newFixedThreadPool(callers);
            for (int t = 0; t < callers; t++) {
                loops.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    while (running.get()) {
                                        long start = System.nanoTime();
                                        try {
                                            String answer =
                                                    ClientCalls.blockingUnaryCall(
                                                            channel,
                                                            Greeter.SAY_HELLO,
                                                            deadline(10),
                                                            "load");
                                            okByInstance.merge(
                                                    answer.substring(answer.lastIndexOf(' ') + 1),
                                                    1,
                                                    Integer::sum);
                                        } catch (StatusRuntimeException e) {
                                            failures.add(
                                                    new long[] {
                                                        e.getStatus().getCode().value(),
                                                        (System.nanoTime() - start) / 1_000_000
                                                    });
                                        }
                                    }
                                },
                                this.callers));
            }
        }

        int ok() {
            return okByInstance.values().stream().mapToInt(Integer::intValue).sum();
        }

        void awaitMore(int calls, Duration limit) throws InterruptedException {
            int target = ok() + calls;
            Eventually.until(calls + " more calls succeed", limit, () -> ok() >= target);
        }

        void stop() throws Exception {
            running.set(false);
            CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            running.set(false);
            callers.shutdownNow();
        }
    }

    private int routable() {
        try {
            String body =
                    TestMesh.get(
                                    "http://"
                                            + ports[CALLER].adminAddress()
                                            + "/v1/services/greeter/endpoints")
                            .body();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> endpoints =
                    (List<Map<String, Object>>) TestMesh.json(body).get("endpoints");
            return (int)
                    endpoints.stream().filter(e -> Boolean.TRUE.equals(e.get("routable"))).count();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The calls of Hang the instances saw cancelled, asked of each instance directly. */
    private int cancelledOnInstances() {
        int total = 0;
        for (int i = 1; i < NODES; i++) {
            ManagedChannel direct =
                    NettyChannelBuilder.forAddress("127.0.0.1", greeterPorts[i])
                            .usePlaintext()
                            .build();
            try {
                String stats =
                        ClientCalls.blockingUnaryCall(direct, Greeter.STATS, deadline(5), "");
                total += Integer.parseInt(stats.substring(stats.indexOf('=') + 1));
            } finally {
                direct.shutdownNow();
            }
        }
        return total;
    }

    private static CallOptions deadline(int seconds) {
        return CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Collects a call's messages; completes with them, or exceptionally with its error. */
    private static final class Collected implements StreamObserver<String> {
        private final List<String> messages = new ArrayList<>();
        final CompletableFuture<List<String>> done = new CompletableFuture<>();

        @Override
        public synchronized void onNext(String value) {
            messages.add(value);
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
