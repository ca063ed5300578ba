package io.rhizome.mesh.node.observability.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.observability.RequestHeaders;
import io.rhizome.mesh.node.observability.RequestObservers;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import org.junit.jupiter.api.Test;

class TapHubTest {
    private final RequestObservers observers = new RequestObservers();
    private final TapHub hub = new TapHub(observers, "node-1", "web");

    private static RequestRecord record(Direction d, String service, String method, String path) {
        return new RequestRecord(
                d,
                service,
                "",
                "spiffe://example.org/service/billing",
                method,
                service,
                path,
                200,
                "",
                1_000L,
                2_500_000,
                10,
                20,
                "127.0.0.1:8080",
                "",
                0,
                "");
    }

    @Test
    void aTapSeesOnlyMatchingRequestsWithoutHeadersOrBodies() {
        TapHub.Tap tap =
                hub.open("t1", new TapFilter("echo", "/api", "get", "outbound")).orElseThrow();

        observers.onRequest(record(Direction.OUTBOUND, "echo", "GET", "/api/orders"));
        observers.onRequest(record(Direction.OUTBOUND, "echo", "POST", "/api/orders"));
        observers.onRequest(record(Direction.OUTBOUND, "echo", "GET", "/health"));
        observers.onRequest(record(Direction.INBOUND, "echo", "GET", "/api/orders"));
        observers.onRequest(record(Direction.OUTBOUND, "other", "GET", "/api/orders"));

        assertThat(tap.drain(100))
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.path()).isEqualTo("/api/orders");
                            assertThat(e.caller())
                                    .as("outbound: this node's workload")
                                    .isEqualTo("web");
                            assertThat(e.latencyMicros()).isEqualTo(2500);
                            assertThat(e.node()).isEqualTo("node-1");
                        });
    }

    @Test
    void onlyATapThatAsksForHeadersMakesTheProxyCopyThemAndSecretsAreRedacted() {
        assertThat(observers.wantsHeaders()).isFalse();
        TapHub.Tap plain = hub.open("plain", new TapFilter("echo", "", "", "all")).orElseThrow();
        assertThat(observers.wantsHeaders()).as("a tap without include-headers").isFalse();
        TapHub.Tap withHeaders =
                hub.open("headers", new TapFilter("echo", "", "", "all", true)).orElseThrow();
        assertThat(observers.wantsHeaders()).isTrue();

        // What the proxy copies while some tap wants headers (RequestRecording.start).
        java.util.List<String> captured =
                RequestHeaders.capture(
                        java.util.List.of(
                                java.util.Map.entry("Accept", "text/plain"),
                                java.util.Map.entry("Authorization", "Bearer s3cr3t-admin-token"),
                                java.util.Map.entry("Cookie", "session=abc"),
                                java.util.Map.entry("X-Api-Key", "k-123"),
                                java.util.Map.entry("X-Request-Id", "r-1")));
        RequestRecord r =
                new RequestRecord(
                        Direction.OUTBOUND,
                        "echo",
                        "",
                        "",
                        "GET",
                        "echo",
                        "/h",
                        200,
                        "",
                        1_000L,
                        1_000,
                        0,
                        0,
                        "",
                        "",
                        0,
                        "",
                        "",
                        "",
                        false,
                        "",
                        captured);
        observers.onRequest(r);

        assertThat(withHeaders.drain(10))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.headers())
                                        .containsExactly(
                                                "accept",
                                                "text/plain",
                                                "authorization",
                                                RequestHeaders.REDACTED,
                                                "cookie",
                                                RequestHeaders.REDACTED,
                                                "x-api-key",
                                                RequestHeaders.REDACTED,
                                                "x-request-id",
                                                "r-1"));
        assertThat(plain.drain(10))
                .singleElement()
                .satisfies(e -> assertThat(e.headers()).isEmpty());
        assertThat(java.util.Arrays.toString(captured.toArray()))
                .doesNotContain("s3cr3t")
                .doesNotContain("abc")
                .doesNotContain("k-123");

        hub.close("headers");
        assertThat(observers.wantsHeaders())
                .as("the last tap with headers closed: the proxy copies none")
                .isFalse();
    }

    @Test
    void aGrpcCallsStatusAndAClosedConnectionReachTheTap() {
        RequestObservers connections = new RequestObservers();
        TapHub both = new TapHub(observers, connections, "node-1", "web");
        TapHub.Tap tap = both.open("g", new TapFilter("greeter", "", "", "all")).orElseThrow();
        observers.onRequest(
                new RequestRecord(
                        Direction.OUTBOUND,
                        "greeter",
                        "",
                        "",
                        "POST",
                        "greeter",
                        "/rhizome.example.Greeter/SayHello",
                        200,
                        "",
                        1_000L,
                        2_000_000,
                        10,
                        20,
                        "127.0.0.1:15006",
                        "",
                        0,
                        "",
                        "",
                        "",
                        false,
                        "",
                        java.util.List.of(),
                        14));
        connections.onRequest(
                new RequestRecord(
                        Direction.OUTBOUND,
                        "greeter",
                        "",
                        "",
                        "UPGRADE",
                        "greeter",
                        "",
                        0,
                        "",
                        1_000L,
                        9_000_000_000L,
                        100,
                        200,
                        "127.0.0.1:15006",
                        "",
                        0,
                        "tunnel"));

        java.util.List<TapEvent> events = tap.drain(10);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).grpcStatus()).isEqualTo(14);
        assertThat(events.get(1).method()).isEqualTo("UPGRADE");
        both.close("g");
        connections.onRequest(
                new RequestRecord(
                        Direction.OUTBOUND,
                        "greeter",
                        "",
                        "",
                        "TCP",
                        "greeter",
                        "",
                        0,
                        "",
                        1_000L,
                        1,
                        0,
                        0,
                        "",
                        "",
                        0,
                        "tunnel"));
        assertThat(tap.drain(10)).as("a closed tap sees nothing more").isEmpty();
    }

    @Test
    void aFullBufferDropsAndCountsInsteadOfGrowing() {
        TapHub.Tap tap = hub.open("t1", new TapFilter("", "", "", "all")).orElseThrow();
        for (int i = 0; i < TapHub.BUFFER + 25; i++) {
            observers.onRequest(record(Direction.INBOUND, "echo", "GET", "/" + i));
        }
        assertThat(tap.dropped.get()).isEqualTo(25);
        assertThat(tap.drain(Integer.MAX_VALUE)).hasSize(TapHub.BUFFER);
        observers.onRequest(record(Direction.INBOUND, "echo", "GET", "/after"));
        assertThat(tap.drain(10))
                .extracting(TapEvent::caller)
                .containsExactly("spiffe://example.org/service/billing");
    }

    @Test
    void closingTheLastTapLeavesNoObserverBehind() {
        hub.open("t1", new TapFilter("echo", "", "", "outbound")).orElseThrow();
        hub.open("t2", new TapFilter("echo", "", "", "outbound")).orElseThrow();
        assertThat(hub.active()).isEqualTo(2);
        hub.close("t1");
        hub.close("t2");
        hub.close("t2");
        assertThat(hub.active()).isZero();
        assertThat(observers.isEmpty()).isTrue();
    }

    @Test
    void aNodeServesAtMostSixteenTaps() {
        for (int i = 0; i < TapHub.MAX_TAPS; i++) {
            assertThat(hub.open("t" + i, new TapFilter("", "", "", "all"))).isPresent();
        }
        assertThat(hub.open("one-more", new TapFilter("", "", "", "all"))).isEmpty();
        assertThat(hub.open("t3", new TapFilter("", "", "", "all")))
                .as("the same tap again")
                .isPresent();
    }
}
