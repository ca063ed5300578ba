package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestObserver;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every finished request reaches the data plane's observers exactly once, as one RequestRecord
 * holding what happened to it: proxied, answered by the mesh, retried, refused, abandoned.
 */
class RequestRecordsTest {

    private static final String POLICIES =
            """
            resources = [
              { kind = Route, name = api, spec { service = routed, rules = [
                  { match { path-prefix = "/api" }, retries { attempts = 1, on = ["5xx"] } } ] } }
              { kind = RateLimit, name = one, spec { service = limited, requests-per-second = 0.01, burst = 1 } }
            ]
            """;

    private static final List<InstanceUpstream> instances = new ArrayList<>();
    private static NodeSettings settings;
    private static DataPlane dataPlane;
    private static HostPort dead;
    private static final BlockingQueue<RequestRecord> records = new LinkedBlockingQueue<>();
    private static final RequestObserver observer = records::add;

    @BeforeAll
    static void start() throws IOException {
        for (String name : List.of("v1", "v2")) {
            instances.add(InstanceUpstream.start(name));
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new HostPort("127.0.0.1", s.getLocalPort());
        }
        int[] ports = FreePorts.next(3);
        settings =
                SettingsLoader.fromConfig(
                        ConfigFactory.parseString(
                                """
                rhizome.node.name = node-a
                rhizome.cluster.port = 0
                rhizome.admin.port = %d
                rhizome.outbound.port = %d
                rhizome.inbound.port = %d
                rhizome.services = [ { name = shop, address = "%s" }, { name = limited, address = "%s" } ]
                """
                                        .formatted(
                                                ports[0],
                                                ports[1],
                                                ports[2],
                                                instances.get(0).address(),
                                                instances.get(0).address())));
        MeshView view = new MeshView();
        view.publish(
                new MeshSnapshot(
                        Map.of(
                                "echo", List.of(remote("echo", 0)),
                                "routed", List.of(remote("routed", 0), remote("routed", 1)),
                                "dead", List.of(endpoint("dead", "node-x", dead, false)),
                                "here",
                                        List.of(
                                                endpoint(
                                                        "here",
                                                        "node-a",
                                                        instances.get(1).address(),
                                                        true))),
                        List.of()));
        dataPlane =
                NettyDataPlane.create(
                        settings,
                        view,
                        new EndpointSelector(EjectionTracker.create()),
                        PolicyViews.fromHocon(POLICIES));
        dataPlane.observers().register(observer);
        dataPlane.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (dataPlane != null) {
            dataPlane.stop(Duration.ZERO);
        }
        for (InstanceUpstream i : instances) {
            i.close();
        }
    }

    @BeforeEach
    void clear() {
        records.clear();
    }

    @Test
    void eachRequestOnAConnectionIsOneRecordWithWhatHappenedToIt() throws Exception {
        try (RawHttp conn = RawHttp.connect(settings.outbound().address().port())) {
            RawHttp.Response ok =
                    conn.send(
                                    "POST /hello?x=1 HTTP/1.1\r\nHost: echo\r\nContent-Length: 5\r\n\r\nhello")
                            .read();
            RawHttp.Response unknown = conn.send("GET /a HTTP/1.1\r\nHost: nosuch\r\n\r\n").read();
            RawHttp.Response refused = conn.send("GET /d HTTP/1.1\r\nHost: dead\r\n\r\n").read();
            RawHttp.Response routed =
                    conn.send("GET /api/x HTTP/1.1\r\nHost: routed\r\n\r\n").read();
            RawHttp.Response noRoute =
                    conn.send("GET /other HTTP/1.1\r\nHost: routed\r\n\r\n").read();
            RawHttp.Response retried =
                    conn.send(
                                    "GET /api/r HTTP/1.1\r\nHost: routed.mesh\r\n"
                                            + "x-status-v1: 503\r\nx-status-v2: 503\r\n\r\n")
                            .read();
            assertThat(
                            List.of(
                                    ok.status(),
                                    unknown.status(),
                                    refused.status(),
                                    routed.status(),
                                    noRoute.status(),
                                    retried.status()))
                    .containsExactly(200, 404, 502, 200, 404, 503);

            List<RequestRecord> got = take(6);
            RequestRecord r = got.get(0);
            assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
            assertThat(
                            List.of(
                                    r.service(),
                                    r.route(),
                                    r.method(),
                                    r.authority(),
                                    r.path(),
                                    r.error(),
                                    r.upstream(),
                                    r.flags()))
                    .containsExactly(
                            "echo",
                            "",
                            "POST",
                            "echo",
                            "/hello",
                            "",
                            instances.get(0).address().toString(),
                            "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.requestBytes()).isEqualTo(5);
            assertThat(r.responseBytes()).isEqualTo(ok.body().length);
            assertThat(r.durationNanos()).isPositive();
            assertThat(r.traceId()).matches("[0-9a-f]{32}");
            assertThat(r.startMillis())
                    .isCloseTo(
                            System.currentTimeMillis(),
                            org.assertj.core.data.Offset.offset(10_000L));

            assertThat(got.get(1))
                    .extracting(
                            RequestRecord::status,
                            RequestRecord::error,
                            RequestRecord::service,
                            RequestRecord::authority,
                            RequestRecord::upstream)
                    .containsExactly(404, "unknown-service", "", "nosuch", "");
            assertThat(got.get(1).responseBytes()).isEqualTo(unknown.body().length);

            assertThat(got.get(2))
                    .extracting(
                            RequestRecord::status,
                            RequestRecord::error,
                            RequestRecord::service,
                            RequestRecord::upstream)
                    .containsExactly(502, "upstream-connect-failure", "dead", dead.toString());

            assertThat(got.get(3))
                    .extracting(
                            RequestRecord::status,
                            RequestRecord::service,
                            RequestRecord::route,
                            RequestRecord::path,
                            RequestRecord::retries)
                    .containsExactly(200, "routed", "api", "/api/x", 0);

            assertThat(got.get(4))
                    .extracting(
                            RequestRecord::status,
                            RequestRecord::error,
                            RequestRecord::service,
                            RequestRecord::route,
                            RequestRecord::flags)
                    .containsExactly(404, "no-route", "routed", "", "no-route");

            // Both instances answer 503: the route retries once on the other one, then passes its
            // 503 on.
            assertThat(got.get(5))
                    .extracting(
                            RequestRecord::status,
                            RequestRecord::error,
                            RequestRecord::route,
                            RequestRecord::retries,
                            RequestRecord::flags,
                            RequestRecord::authority)
                    .containsExactly(503, "", "api", 1, "retried", "routed.mesh");
        }
        assertThat(records.poll(200, TimeUnit.MILLISECONDS))
                .as("no record beyond one per request")
                .isNull();
    }

    @Test
    void theInboundPortRecordsTheCallersRouteAndItsRateLimitRefusals() throws Exception {
        try (RawHttp conn = RawHttp.connect(settings.inbound().port())) {
            assertThat(
                            conn.send(
                                            "GET /in HTTP/1.1\r\nHost: shop\r\nx-rhizome-route: checkout/rules[2]\r\n\r\n")
                                    .read()
                                    .status())
                    .isEqualTo(200);
            assertThat(conn.send("GET /l HTTP/1.1\r\nHost: limited\r\n\r\n").read().status())
                    .isEqualTo(200);
            assertThat(conn.send("GET /l HTTP/1.1\r\nHost: limited\r\n\r\n").read().status())
                    .isEqualTo(429);
        }
        List<RequestRecord> got = take(3);
        assertThat(got).extracting(RequestRecord::direction).containsOnly(Direction.INBOUND);
        assertThat(got.get(0))
                .extracting(
                        RequestRecord::service,
                        RequestRecord::route,
                        RequestRecord::status,
                        RequestRecord::upstream,
                        RequestRecord::caller)
                .containsExactly(
                        "shop", "checkout", 200, instances.get(0).address().toString(), "");
        assertThat(got.get(2))
                .extracting(
                        RequestRecord::service,
                        RequestRecord::status,
                        RequestRecord::error,
                        RequestRecord::flags)
                .containsExactly("limited", 429, "rate-limited", "rate-limited");
    }

    @Test
    void theLocalShortcutIsRecordedAsBothItsOutboundAndItsInboundSide() throws Exception {
        try (RawHttp conn = RawHttp.connect(settings.outbound().address().port())) {
            assertThat(conn.send("GET /l HTTP/1.1\r\nHost: here\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
        List<RequestRecord> got = take(2);
        assertThat(got)
                .extracting(RequestRecord::direction)
                .containsExactly(Direction.OUTBOUND, Direction.INBOUND);
        assertThat(got).extracting(RequestRecord::service).containsOnly("here");
        assertThat(got).allSatisfy(r -> assertThat(RequestFlags.has(r.flags(), "local")).isTrue());
    }

    @Test
    void aCallerThatLeavesBeforeTheResponseIsRecordedAsAClientAbort() throws Exception {
        try (RawHttp conn = RawHttp.connect(settings.outbound().address().port())) {
            conn.send("GET /slow HTTP/1.1\r\nHost: echo\r\nx-delay-v1: 2000\r\n\r\n");
            // The request reached the instance: only then does leaving abandon a request in flight.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (instances.get(0).received("GET /slow") == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        RequestRecord r = records.poll(5, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r)
                .extracting(RequestRecord::status, RequestRecord::flags, RequestRecord::service)
                .containsExactly(0, "client-abort", "echo");
    }

    @Test
    void withNoObserverNothingIsBuiltAndRequestsStillPass() throws Exception {
        dataPlane.observers().unregister(observer);
        try (RawHttp conn = RawHttp.connect(settings.outbound().address().port())) {
            assertThat(conn.send("GET /quiet HTTP/1.1\r\nHost: echo\r\n\r\n").read().status())
                    .isEqualTo(200);
        } finally {
            dataPlane.observers().register(observer);
        }
        assertThat(records.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    private static List<RequestRecord> take(int n) throws InterruptedException {
        List<RequestRecord> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RequestRecord r = records.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("record %d of %d", i + 1, n).isNotNull();
            got.add(r);
        }
        return got;
    }

    private static MeshEndpoint remote(String service, int instance) {
        return endpoint(
                service, "node-v" + (instance + 1), instances.get(instance).address(), false);
    }

    private static MeshEndpoint endpoint(String service, String node, HostPort at, boolean local) {
        return new MeshEndpoint(
                node + "/" + service,
                service,
                node,
                at,
                at,
                Map.of(),
                EndpointStatus.SERVING,
                local,
                true,
                "Up");
    }
}
