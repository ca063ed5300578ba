package io.rhizome.mesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.rhizome.mesh.testsupport.Eventually;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Opaque TCP and WebSockets through real sidecars: nodes tcp-1 and tcp-2 (bin/mesh-node) each front
 * a real Redis ({@code redis-server}) as the {@code tcp} service {@code cache}; tcp-1 also fronts a
 * server that speaks first ({@code banner}, tcp) and a WebSocket echo ({@code chat}, http). tcp-3
 * fronts nothing: its app reaches them through upstream listeners ({@code rhizome.upstreams}) with
 * unchanged clients (redis-cli, redis-benchmark, the JDK's WebSocket). tcp-2 also fronts a real
 * PostgreSQL ({@code db}, tcp; a server that waits for the client's startup message) for psql and
 * pgbench. Destructive cases run last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TcpIT {
    private static final int NODES = 3;
    private static final int CALLER = 3;
    private final TestMesh.NodePorts[] ports = new TestMesh.NodePorts[NODES + 1];
    private final Processes.Started[] nodes = new Processes.Started[NODES + 1];
    private final List<Processes.Started> redis = new ArrayList<>();
    private final int[] redisPorts = new int[NODES];
    private int cacheListener;
    private int bannerListener;
    private int chatListener;
    private Postgres postgres;
    private int dbListener;
    private ServerSocket banner;
    private EventLoopGroup wsGroup;
    private Channel wsServer;

    @BeforeAll
    void startMesh() throws Exception {
        boolean hasServers =
                Stream.of("redis-server", "redis-benchmark", "psql", "pgbench")
                                .allMatch(c -> Files.isExecutable(Path.of("/usr/bin", c)))
                        && Files.isDirectory(Path.of("/usr/lib/postgresql"));
        String install = "apt-get install redis-server redis-tools postgresql";
        if (!hasServers && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(
                    "Redis and PostgreSQL with their clients are needed ("
                            + install
                            + "; .ci/run does)");
        }
        Assumptions.assumeTrue(
                hasServers, "TcpIT skipped: Redis or PostgreSQL not installed (" + install + ")");
        for (int n = 1; n <= NODES; n++) {
            deleteTree(Processes.WORK.resolve("data/tcp-" + n));
        }
        for (int i = 1; i < NODES; i++) {
            redisPorts[i] = FreePorts.next();
            redis.add(
                    Processes.start(
                            "redis-" + i,
                            java.util.Map.of(),
                            "redis-server",
                            "--port",
                            String.valueOf(redisPorts[i]),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--protected-mode",
                            "no"));
        }
        postgres = Postgres.start();
        banner = new ServerSocket(0, 64, java.net.InetAddress.getLoopbackAddress());
        daemon(this::serveBanner);
        startWebSocketEcho();
        for (int n = 1; n <= NODES; n++) {
            ports[n] = TestMesh.NodePorts.free();
        }
        cacheListener = FreePorts.next();
        bannerListener = FreePorts.next();
        chatListener = FreePorts.next();
        dbListener = FreePorts.next();
        List<String> seeds =
                List.of("127.0.0.1:" + ports[1].cluster(), "127.0.0.1:" + ports[2].cluster());
        for (int n = 1; n <= NODES; n++) {
            String extra;
            if (n == CALLER) {
                extra =
                        """
                        upstreams = [
                          { service = cache, listen = "127.0.0.1:%d" }
                          { service = banner, listen = "127.0.0.1:%d" }
                          { service = chat, listen = "127.0.0.1:%d" }
                          { service = db, listen = "127.0.0.1:%d" }
                        ]
                        shutdown { drain-delay = 1s, drain-timeout = 4s }
                        """
                                .formatted(cacheListener, bannerListener, chatListener, dbListener);
            } else if (n == 1) {
                extra =
                        """
                        services = [
                          { name = cache, address = "127.0.0.1:%d", protocol = tcp }
                          { name = banner, address = "127.0.0.1:%d", protocol = tcp }
                          { name = chat, address = "127.0.0.1:%d" }
                        ]
                        """
                                .formatted(
                                        redisPorts[1],
                                        banner.getLocalPort(),
                                        ((InetSocketAddress) wsServer.localAddress()).getPort());
            } else {
                extra =
                        """
                        services = [
                          { name = cache, address = "127.0.0.1:%d", protocol = tcp }
                          { name = db, address = "127.0.0.1:%d", protocol = tcp }
                        ]
                        """
                                .formatted(redisPorts[n], postgres.port());
            }
            nodes[n] =
                    Processes.node(
                            "tcp-" + n, TestMesh.writeConfig("tcp-" + n, ports[n], seeds, extra));
        }
        for (int n = 1; n <= NODES; n++) {
            int node = n;
            Eventually.until(
                    "tcp-" + n + " /readyz 200",
                    Duration.ofSeconds(60),
                    () -> {
                        if (!nodes[node].process().isAlive()) {
                            throw new AssertionError(
                                    "tcp-" + node + " exited:\n" + nodes[node].tail());
                        }
                        return TestMesh.status("http://" + ports[node].adminAddress() + "/readyz")
                                == 200;
                    });
        }
        Eventually.until(
                "the caller routes to both caches",
                Duration.ofSeconds(30),
                () -> routable("cache") == 2 && routable("chat") == 1 && routable("db") == 1);
    }

    @AfterAll
    void stopMesh() {
        for (Processes.Started p : Stream.concat(Stream.of(nodes), redis.stream()).toList()) {
            if (p != null) {
                p.sigkill();
            }
        }
        try {
            if (banner != null) {
                banner.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        if (wsGroup != null) {
            wsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Test
    @Order(1)
    void redisCliAndRedisBenchmarkWorkUnchangedThroughTwoSidecars() throws Exception {
        Processes.Result set =
                Processes.run(
                        List.of(
                                "redis-cli",
                                "-p",
                                String.valueOf(cacheListener),
                                "SET",
                                "greeting",
                                "hällo"),
                        java.util.Map.of());
        assertThat(set.exitCode()).isZero();
        assertThat(set.stdout().trim()).isEqualTo("OK");
        Processes.Result bench =
                Processes.run(
                        List.of(
                                "redis-benchmark",
                                "-p",
                                String.valueOf(cacheListener),
                                "-n",
                                "20000",
                                "-c",
                                "20",
                                "-t",
                                "set,get",
                                "-q"),
                        java.util.Map.of());
        List<String> results =
                bench.stdout()
                        .replace('\r', '\n')
                        .lines()
                        .filter(l -> l.contains("requests per second"))
                        .toList();
        System.out.println(
                "FIGURE redis-benchmark -c 20 through two sidecars (tcp-3 -> tcp-1/2): " + results);
        assertThat(bench.exitCode()).isZero();
        assertThat(bench.stdout()).doesNotContain("rror");
        assertThat(results)
                .hasSize(2)
                .anySatisfy(l -> assertThat(l).startsWith("SET: "))
                .anySatisfy(l -> assertThat(l).startsWith("GET: "));
    }

    @Test
    @Order(2)
    void eachConnectionIsBalancedOverBothRedisInstances() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            Processes.Result info =
                    Processes.run(
                            List.of(
                                    "redis-cli",
                                    "-p",
                                    String.valueOf(cacheListener),
                                    "CONFIG",
                                    "GET",
                                    "port"),
                            java.util.Map.of());
            assertThat(info.exitCode()).isZero();
            seen.add(info.stdout().trim().split("\\s+")[1]);
        }
        assertThat(seen)
                .containsExactlyInAnyOrder(
                        String.valueOf(redisPorts[1]), String.valueOf(redisPorts[2]));
    }

    @Test
    @Order(3)
    void aServerThatSpeaksFirstIsHeardAtOnce() throws Exception {
        try (Socket s = new Socket("127.0.0.1", bannerListener)) {
            s.setSoTimeout(5_000);
            long start = System.nanoTime();
            String line = readLine(s.getInputStream());
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println(
                    "FIGURE a banner-first server's greeting through two sidecars after "
                            + millis
                            + " ms");
            assertThat(line).isEqualTo("220 banner ready");
            assertThat(millis).isLessThan(1_000);
        }
    }

    @Test
    @Order(4)
    void psqlAndPgbenchWorkUnchangedThroughTwoSidecars() throws Exception {
        String db = String.valueOf(dbListener);
        Processes.Result query =
                Processes.run(
                        List.of(
                                "psql",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                db,
                                "-U",
                                Postgres.USER,
                                "-d",
                                "postgres",
                                "-A",
                                "-t",
                                "-c",
                                "select 'grüße ' || current_setting('port')"),
                        java.util.Map.of("PGCONNECT_TIMEOUT", "10"));
        assertThat(query.exitCode()).as(query.stderr()).isZero();
        assertThat(query.stdout().trim()).isEqualTo("grüße " + postgres.port());
        Processes.Result init =
                Processes.run(
                        List.of(
                                "pgbench",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                db,
                                "-U",
                                Postgres.USER,
                                "-i",
                                "-s",
                                "1",
                                "-q",
                                "postgres"),
                        java.util.Map.of());
        assertThat(init.exitCode()).as(init.stderr()).isZero();
        Processes.Result bench =
                Processes.run(
                        List.of(
                                "pgbench",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                db,
                                "-U",
                                Postgres.USER,
                                "-c",
                                "8",
                                "-j",
                                "2",
                                "-t",
                                "100",
                                "-C",
                                "postgres"),
                        java.util.Map.of());
        System.out.println(
                "FIGURE pgbench -c 8 -t 100 -C (a new connection per transaction) through two sidecars:\n"
                        + bench.stdout()
                                .lines()
                                .filter(
                                        l ->
                                                l.startsWith("number of")
                                                        || l.startsWith("tps")
                                                        || l.startsWith("latency"))
                                .reduce("", (a, b) -> a + "  " + b + "\n"));
        assertThat(bench.exitCode()).as(bench.stderr()).isZero();
        assertThat(bench.stdout())
                .contains("number of transactions actually processed: 800/800")
                .contains("number of failed transactions: 0");
    }

    @Test
    @Order(5)
    void aWebSocketOfTheJdkClientEchoesTextAndAMegabyteAndItsCloseCode() throws Exception {
        LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
        WebSocket ws =
                HttpClient.newHttpClient()
                        .newWebSocketBuilder()
                        .buildAsync(
                                URI.create("ws://127.0.0.1:" + chatListener + "/room"),
                                new WebSocket.Listener() {
                                    private final StringBuilder text = new StringBuilder();
                                    private final ByteArrayOutputStream binary =
                                            new ByteArrayOutputStream();

                                    @Override
                                    public CompletionStage<?> onText(
                                            WebSocket w, CharSequence data, boolean last) {
                                        text.append(data);
                                        if (last) {
                                            received.add(text.toString());
                                            text.setLength(0);
                                        }
                                        w.request(1);
                                        return null;
                                    }

                                    @Override
                                    public CompletionStage<?> onBinary(
                                            WebSocket w, ByteBuffer data, boolean last) {
                                        byte[] b = new byte[data.remaining()];
                                        data.get(b);
                                        binary.writeBytes(b);
                                        if (last) {
                                            received.add(binary.toByteArray());
                                            binary.reset();
                                        }
                                        w.request(1);
                                        return null;
                                    }

                                    @Override
                                    public CompletionStage<?> onClose(
                                            WebSocket w, int status, String reason) {
                                        received.add(status + " " + reason);
                                        return null;
                                    }
                                })
                        .get(10, TimeUnit.SECONDS);
        ws.sendText("grüße", true).get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("echo: grüße");
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 13);
        }
        ws.sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
        assertThat((byte[]) received.poll(10, TimeUnit.SECONDS)).isEqualTo(big);
        ws.sendClose(4002, "done here").get(5, TimeUnit.SECONDS);
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("4002 done here");
    }

    @Test
    @Order(6)
    void connectionsAreCountedInTheCallersMetrics() throws Exception {
        String metrics = TestMesh.get("http://" + ports[CALLER].adminAddress() + "/metrics").body();
        assertThat(metrics)
                .containsPattern(
                        "rhizome_tcp_connections_opened_total\\{direction=\"outbound\",service=\"cache\"} [1-9]");
        assertThat(metrics)
                .containsPattern(
                        "rhizome_tcp_received_bytes_total\\{direction=\"outbound\",service=\"cache\"} [1-9]");
        assertThat(metrics)
                .contains(
                        "rhizome_tcp_connection_duration_seconds_bucket{direction=\"outbound\",service=\"cache\",le=\"+Inf\"}");
        // meshctl stat, asked of any node, shows the TCP service's connections mesh-wide beside the
        // request table.
        Processes.Result stat =
                Processes.meshctl("--node", ports[1].adminAddress(), "stat", "--window", "5m");
        assertThat(stat.exitCode()).as(stat.stderr()).isZero();
        System.out.println(
                "FIGURE meshctl stat after the Redis and WebSocket cases:\n" + stat.stdout());
        assertThat(stat.stdout())
                .contains("TCP SERVICE")
                .containsPattern("(?m)^cache +[1-9]\\d* +100\\.00%");
    }

    @Test
    @Order(7)
    void killingACachesNodeFailsNoNewConnection() throws Exception {
        nodes[2].sigkill();
        int failed = 0;
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", cacheListener)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                if (!"+PONG".equals(readLine(s.getInputStream()).trim())) {
                    failed++;
                }
            } catch (IOException e) {
                failed++;
            }
        }
        System.out.println(
                "FIGURE 100 new Redis connections after kill -9 of one cache's node: "
                        + failed
                        + " failed");
        assertThat(failed).isZero();
    }

    @Test
    @Order(8)
    void sigtermStopsNewConnectionsAndLetsOpenOnesRunWithinTheDrain() throws Exception {
        try (Socket open = new Socket("127.0.0.1", cacheListener)) {
            open.setSoTimeout(10_000);
            assertThat(ping(open)).isEqualTo("+PONG");
            long start = System.nanoTime();
            nodes[CALLER].sigterm();
            Eventually.until(
                    "the upstream listener refuses new connections",
                    Duration.ofSeconds(10),
                    () -> {
                        try (Socket s = new Socket("127.0.0.1", cacheListener)) {
                            return false;
                        } catch (IOException refused) {
                            return true;
                        }
                    });
            assertThat(ping(open))
                    .as("an open connection runs on while the node drains")
                    .isEqualTo("+PONG");
            assertThat(nodes[CALLER].process().waitFor(30, TimeUnit.SECONDS))
                    .as("tcp-3 exits after draining")
                    .isTrue();
            long seconds = (System.nanoTime() - start) / 1_000_000_000;
            System.out.println(
                    "FIGURE SIGTERM with an open Redis connection: node exited after "
                            + seconds
                            + " s (drain-timeout 4 s)");
            assertThat(open.getInputStream().read())
                    .as("closed once the drain ended")
                    .isEqualTo(-1);
        }
    }

    /**
     * A private PostgreSQL server on a free loopback port, its cluster in a temporary directory
     * (trust authentication, no fsync). PostgreSQL refuses to run as root: as root, initdb and the
     * server run as the {@code postgres} user of Debian's package ({@code setpriv}, which execs, so
     * the started process is the server itself).
     */
    private record Postgres(Processes.Started server, Path dir, int port) {
        static final String USER = "rhizome";

        static Postgres start() throws Exception {
            Path bin;
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                bin =
                        versions.map(v -> v.resolve("bin"))
                                .filter(b -> Files.isExecutable(b.resolve("initdb")))
                                .max(Comparator.naturalOrder())
                                .orElseThrow();
            } catch (IOException | java.util.NoSuchElementException e) {
                throw new AssertionError(
                        "PostgreSQL is needed (apt-get install postgresql; .ci/run does)");
            }
            boolean root = "root".equals(System.getProperty("user.name"));
            Path dir = Files.createTempDirectory("rhizome-pg");
            List<String> asPostgres =
                    root
                            ? List.of(
                                    "setpriv",
                                    "--reuid=postgres",
                                    "--regid=postgres",
                                    "--init-groups",
                                    "--")
                            : List.of();
            if (root) {
                Processes.run(
                        List.of("chown", "postgres:postgres", dir.toString()), java.util.Map.of());
            }
            List<String> initdb = new ArrayList<>(asPostgres);
            initdb.addAll(
                    List.of(
                            bin.resolve("initdb").toString(),
                            "-D",
                            dir.resolve("data").toString(),
                            "-U",
                            USER,
                            "-A",
                            "trust",
                            "-E",
                            "UTF8",
                            "--locale",
                            "C.UTF-8"));
            Processes.Result init = Processes.run(initdb, java.util.Map.of());
            if (init.exitCode() != 0) {
                throw new AssertionError("initdb failed: " + init.stderr());
            }
            int port = FreePorts.next();
            List<String> server = new ArrayList<>(asPostgres);
            server.addAll(
                    List.of(
                            bin.resolve("postgres").toString(),
                            "-D",
                            dir.resolve("data").toString(),
                            "-p",
                            String.valueOf(port),
                            "-k",
                            dir.toString(),
                            "-c",
                            "listen_addresses=127.0.0.1",
                            "-c",
                            "fsync=off",
                            "-c",
                            "max_connections=50"));
            Processes.Started started =
                    Processes.start("postgres", java.util.Map.of(), server.toArray(String[]::new));
            Eventually.until(
                    "PostgreSQL accepts connections",
                    Duration.ofSeconds(30),
                    () -> {
                        try {
                            return Processes.run(
                                                    List.of(
                                                            bin.resolve("pg_isready").toString(),
                                                            "-h",
                                                            "127.0.0.1",
                                                            "-p",
                                                            String.valueOf(port)),
                                                    java.util.Map.of())
                                            .exitCode()
                                    == 0;
                        } catch (IOException e) {
                            return false;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    });
            return new Postgres(started, dir, port);
        }

        void stop() {
            server.sigterm();
            try {
                server.awaitExit(Duration.ofSeconds(10));
                deleteTree(dir);
            } catch (Exception e) {
                server.sigkill();
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
    }

    private static String ping(Socket s) throws IOException {
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        return readLine(s.getInputStream()).trim();
    }

    private void serveBanner() {
        while (!banner.isClosed()) {
            try {
                Socket s = banner.accept();
                daemon(
                        () -> {
                            try (s) {
                                s.getOutputStream()
                                        .write(
                                                "220 banner ready\n"
                                                        .getBytes(StandardCharsets.US_ASCII));
                                s.getOutputStream().flush();
                                s.getInputStream().transferTo(s.getOutputStream());
                            } catch (IOException e) {
                                // the client left
                            }
                        });
            } catch (IOException e) {
                return;
            }
        }
    }

    private void startWebSocketEcho() throws InterruptedException {
        wsGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        WebSocketServerProtocolConfig config =
                WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath("/")
                        .checkStartsWith(true)
                        .maxFramePayloadLength(2 << 20)
                        .build();
        wsServer =
                new ServerBootstrap()
                        .group(wsGroup)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        new HttpServerCodec(),
                                                        new HttpObjectAggregator(65536),
                                                        new WebSocketServerProtocolHandler(config),
                                                        new SimpleChannelInboundHandler<
                                                                WebSocketFrame>() {
                                                            @Override
                                                            protected void channelRead0(
                                                                    ChannelHandlerContext ctx,
                                                                    WebSocketFrame frame) {
                                                                if (frame
                                                                        instanceof
                                                                        TextWebSocketFrame text) {
                                                                    ctx.writeAndFlush(
                                                                            new TextWebSocketFrame(
                                                                                    "echo: "
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

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private int routable(String service) {
        try {
            String body =
                    TestMesh.get(
                                    "http://"
                                            + ports[CALLER].adminAddress()
                                            + "/v1/services/"
                                            + service
                                            + "/endpoints")
                            .body();
            @SuppressWarnings("unchecked")
            List<java.util.Map<String, Object>> endpoints =
                    (List<java.util.Map<String, Object>>) TestMesh.json(body).get("endpoints");
            return (int)
                    endpoints.stream().filter(e -> Boolean.TRUE.equals(e.get("routable"))).count();
        } catch (Exception e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
