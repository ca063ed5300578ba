package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RateLimits enforced where requests reach a local instance, on real sockets: the inbound port and
 * the outbound side's local shortcut. Both services of this node are one {@link InstanceUpstream}.
 */
class RateLimitEnforcementTest {

    private static final String POLICIES =
            """
            resources = [
              { kind = RateLimit, name = twenty, spec { service = limited, requests-per-second = 20, burst = 20 } }
              { kind = Route, name = checkout, spec { service = shop, rules = [ { match { path-prefix = "/checkout" } } ] } }
              { kind = RateLimit, name = checkout-only, spec { service = shop, requests-per-second = 0.01, burst = 2,
                                                               route = checkout } }
              { kind = RateLimit, name = open-checkout, spec { service = open, requests-per-second = 0.01, burst = 1,
                                                               route = checkout } }
            ]
            """;

    private static InstanceUpstream instance;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("i1");
        node =
                TestDataPlane.builder()
                        .service("limited", instance.address())
                        .service("shop", instance.address())
                        .localEndpoint("shop", instance.address())
                        .localEndpoint("open", instance.address())
                        .policies(POLICIES)
                        .closing(instance)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void theInboundPortAdmitsTheBurstAndTurnsAwayTheRestWith429() throws Exception {
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        List<String> refusals = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(
                        threads.submit(
                                () -> {
                                    try (RawHttp conn = RawHttp.connect(node.inboundPort())) {
                                        for (int i = 0; i < 25; i++) {
                                            RawHttp.Response r =
                                                    conn.send(
                                                                    "GET /burst HTTP/1.1\r\nHost: limited\r\n\r\n")
                                                            .read();
                                            statuses.merge(r.status(), 1, Integer::sum);
                                            if (r.status() == 429) {
                                                refusals.add(
                                                        r.header("x-rhizome-error")
                                                                + " "
                                                                + r.header("retry-after"));
                                            }
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int ok = statuses.getOrDefault(200, 0);

        assertThat(ok + statuses.getOrDefault(429, 0)).as("statuses %s", statuses).isEqualTo(200);
        assertThat(ok)
                .as("the burst of 20, plus 20/s over %.2fs; statuses %s", seconds, statuses)
                .isBetween(20, 20 + (int) Math.ceil(20 * seconds) + 1);
        assertThat(refusals)
                .as("rate-limited, retry after a second")
                .containsOnly("rate-limited 1");
        assertThat(instance.received("GET /burst"))
                .as("refused requests are not sent upstream")
                .isEqualTo((long) ok);
    }

    @Test
    void aRouteScopedLimitCountsOnlyRequestsRoutedByThatRoute() throws IOException {
        try (RawHttp out = RawHttp.connect(node.outboundPort());
                RawHttp in = RawHttp.connect(node.inboundPort())) {
            // The outbound side names the rule; the local shortcut applies the instance's limit.
            RawHttp.Response first =
                    out.send("GET /checkout/1 HTTP/1.1\r\nHost: shop\r\n\r\n").read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.text()).contains("x-rhizome-route: checkout/rules[0]");
            assertThat(out.send("GET /checkout/2 HTTP/1.1\r\nHost: shop\r\n\r\n").read().status())
                    .isEqualTo(200);

            String body = "{\"item\": 1}";
            RawHttp.Response refused =
                    out.send(
                                    "POST /checkout/3 HTTP/1.1\r\nHost: shop\r\nContent-Length: "
                                            + body.length()
                                            + "\r\n\r\n"
                                            + body)
                            .read();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("x-rhizome-error")).isEqualTo("rate-limited");
            assertThat(Long.parseLong(refused.header("retry-after")))
                    .as("a token every 100s")
                    .isBetween(90L, 100L);
            assertThat(refused.text())
                    .startsWith("rate-limited: ")
                    .contains("checkout-only")
                    .endsWith("\n");
            assertThat(refused.text().strip()).as("one line").doesNotContain("\n");
            assertThat(instance.received("POST /checkout/3")).isZero();

            // The same bucket on the inbound port, by the header a remote caller's outbound side
            // sets.
            assertThat(
                            in.send(
                                            "GET /checkout/4 HTTP/1.1\r\nHost: shop\r\nx-rhizome-route: checkout/rules[0]\r\n\r\n")
                                    .read()
                                    .status())
                    .isEqualTo(429);
            for (int i = 0; i < 5; i++) {
                assertThat(in.send("GET /browse HTTP/1.1\r\nHost: shop\r\n\r\n").read().status())
                        .as("a request no Route routed")
                        .isEqualTo(200);
                assertThat(
                                in.send(
                                                "GET /browse HTTP/1.1\r\nHost: shop\r\nx-rhizome-route: other/rules[0]\r\n\r\n")
                                        .read()
                                        .status())
                        .as("a request another Route routed")
                        .isEqualTo(200);
            }
            // The refused POST's body was dropped: the connection serves the next requests.
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r =
                        out.send(
                                        "GET /x HTTP/1.1\r\nHost: open\r\nx-rhizome-route: checkout/rules[0]\r\n\r\n")
                                .read();
                assertThat(r.status())
                        .as("the outbound side drops a caller's own x-rhizome-route")
                        .isEqualTo(200);
                assertThat(r.text()).doesNotContain("x-rhizome-route");
            }
        }
    }
}
