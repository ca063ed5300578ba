package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request smuggling and other hostile HTTP/1.1, on raw sockets, on the outbound port (local
 * shortcut) and the inbound port alike: each is answered by the mesh (400, 414 or 431) and nothing
 * reaches the instance, neither the request nor anything smuggled inside it.
 */
class HostileRequestTest {

    private static InstanceUpstream instance;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("i1");
        node =
                TestDataPlane.builder()
                        .config("rhizome.proxy.max-header-count = 50")
                        .service("shop", instance.address())
                        .localEndpoint("shop", instance.address())
                        .closing(instance)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: shop\r\n\r\n";

    static Stream<Arguments> cases() {
        String head = "POST /hostile HTTP/1.1\r\nHost: shop\r\n";
        String chunkedSmuggle = "0\r\n\r\n" + SMUGGLED;
        List<Object[]> table =
                List.of(
                        new Object[] {
                            "Content-Length and Transfer-Encoding",
                            400,
                            head
                                    + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "Transfer-Encoding and Content-Length",
                            400,
                            head
                                    + "Transfer-Encoding: chunked\r\nContent-Length: 45\r\n\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "two different Content-Lengths",
                            400,
                            head + "Content-Length: 0\r\nContent-Length: 39\r\n\r\n" + SMUGGLED
                        },
                        new Object[] {
                            "a Content-Length list",
                            400,
                            head + "Content-Length: 0, 39\r\n\r\n" + SMUGGLED
                        },
                        new Object[] {
                            "a negative Content-Length",
                            400,
                            head + "Content-Length: -1\r\n\r\n" + SMUGGLED
                        },
                        new Object[] {
                            "a signed Content-Length",
                            400,
                            head + "Content-Length: +39\r\n\r\n" + SMUGGLED
                        },
                        new Object[] {
                            "an unknown transfer coding",
                            400,
                            head + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunkedSmuggle
                        },
                        new Object[] {
                            "chunked, identity",
                            400,
                            head + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunkedSmuggle
                        },
                        new Object[] {
                            "xchunked",
                            400,
                            head + "Transfer-Encoding: xchunked\r\n\r\n" + chunkedSmuggle
                        },
                        new Object[] {
                            "chunked twice",
                            400,
                            head
                                    + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "Transfer-Encoding on HTTP/1.0",
                            400,
                            "POST /hostile HTTP/1.0\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "a space before the colon",
                            400,
                            head
                                    + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "a NUL in a header value",
                            400,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX-A: a\0b\r\n\r\n"
                        },
                        new Object[] {
                            "a bare CR in a header value",
                            400,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX-A: a\rb\r\n\r\n"
                        },
                        new Object[] {
                            "a bare CR ending a header line",
                            400,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX-A: a\rTransfer-Encoding: chunked\r\n\r\n"
                        },
                        new Object[] {
                            "a space in a header name",
                            400,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX A: b\r\n\r\n"
                        },
                        new Object[] {
                            "a control character in the request line",
                            400,
                            "GET /hos\u0001tile HTTP/1.1\r\nHost: shop\r\n\r\n"
                        },
                        new Object[] {
                            "an oversized request line",
                            414,
                            "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: shop\r\n\r\n"
                        },
                        new Object[] {
                            "an oversized header block",
                            431,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX-Big: "
                                    + "b".repeat(17000)
                                    + "\r\n\r\n"
                        },
                        new Object[] {
                            "too many header fields",
                            431,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\n"
                                    + "X-Many: 1\r\n".repeat(60)
                                    + "\r\n"
                        },
                        new Object[] {
                            "obs-fold (a space)",
                            400,
                            "GET /hostile HTTP/1.1\r\nHost: shop\r\nX-A: a\r\n b\r\n\r\n"
                        },
                        new Object[] {
                            "obs-fold hiding a Transfer-Encoding (a tab)",
                            400,
                            head
                                    + "Content-Length: "
                                    + SMUGGLED.length()
                                    + "\r\nX-A: a\r\n\tTransfer-Encoding: chunked\r\n\r\n"
                                    + SMUGGLED
                        },
                        new Object[] {
                            "obs-fold of the Transfer-Encoding itself",
                            400,
                            head + "Transfer-Encoding:\r\n chunked\r\n\r\n" + chunkedSmuggle
                        },
                        new Object[] {
                            "obs-fold in a chunked body's trailer",
                            400,
                            head
                                    + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a\r\n b\r\n\r\n"
                                    + SMUGGLED
                        },
                        new Object[] {
                            "an invalid chunk size",
                            400,
                            head
                                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"
                                    + chunkedSmuggle
                        },
                        new Object[] {
                            "an overflowing chunk size",
                            400,
                            head
                                    + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n"
                                    + chunkedSmuggle
                        });
        return table.stream()
                .flatMap(
                        c ->
                                Stream.of(
                                        Arguments.of(c[0], "outbound", c[1], c[2]),
                                        Arguments.of(c[0], "inbound", c[1], c[2])));
    }

    /**
     * Bodies that hold what would be a fold in a head ({@code "\r\n "}, {@code "\r\n\t"}) go
     * through, with Content-Length and chunked, pipelined behind one another, and the pipelined
     * request after them is served too: the fold check reads heads, not bodies.
     */
    @ParameterizedTest(name = "a body holding CRLF SP on the {0} port is forwarded")
    @ValueSource(strings = {"outbound", "inbound"})
    void aBodyThatLooksLikeAFoldIsForwarded(String port) throws IOException {
        int p = node.port(port);
        int before = instance.received().size();
        String body = "a\r\n b\r\n\tc\r\n X-Evil: 1\r\n";
        try (RawHttp conn = RawHttp.connect(p)) {
            conn.send(
                    "POST /length HTTP/1.1\r\nHost: shop\r\nContent-Length: "
                            + body.length()
                            + "\r\n\r\n"
                            + body
                            + "POST /chunked HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(body.length())
                            + ";ext=1\r\n"
                            + body
                            + "\r\n3\r\n\r\n \r\n0\r\n\r\n"
                            + "GET /after HTTP/1.1\r\nHost: shop\r\n\r\n");
            RawHttp.Response first = conn.read();
            assertThat(first.status()).as(first.text()).isEqualTo(200);
            assertThat(first.text())
                    .contains("body: " + body.length() + " bytes")
                    .doesNotContain("x-evil");
            RawHttp.Response second = conn.read();
            assertThat(second.status()).as(second.text()).isEqualTo(200);
            assertThat(second.text())
                    .contains("body: " + (body.length() + 3) + " bytes")
                    .doesNotContain("x-evil");
            assertThat(conn.read().status()).isEqualTo(200);
        }
        List<String> received = instance.received();
        assertThat(received.subList(before, received.size()))
                .containsExactly("POST /length", "POST /chunked", "GET /after");
    }

    /**
     * A fold in the second of two pipelined requests: the first is served, the second refused with
     * nothing of it forwarded, and the connection closed.
     */
    @ParameterizedTest(name = "obs-fold in a pipelined request on the {0} port is refused")
    @ValueSource(strings = {"outbound", "inbound"})
    void anObsFoldInAPipelinedRequestIsRefused(String port) throws IOException {
        int p = node.port(port);
        int before = instance.received().size();
        try (RawHttp conn = RawHttp.connect(p)) {
            conn.send(
                    "POST /first HTTP/1.1\r\nHost: shop\r\nContent-Length: 4\r\n\r\nab\r\n"
                            + "GET /folded HTTP/1.1\r\nHost: shop\r\nX-A: a\r\n b\r\n\r\n"
                            + "GET /after HTTP/1.1\r\nHost: shop\r\n\r\n");
            assertThat(conn.read().status()).isEqualTo(200);
            RawHttp.Response refused = conn.read();
            assertThat(refused.status()).as(refused.text()).isEqualTo(400);
            assertThat(refused.header("x-rhizome-error")).isEqualTo("bad-request");
            assertThat(refused.text()).contains("obs-fold");
            assertThat(conn.closedByServer()).isTrue();
        }
        List<String> received = instance.received();
        assertThat(received.subList(before, received.size())).containsExactly("POST /first");
    }

    @ParameterizedTest(name = "{0} on the {1} port: {2}")
    @MethodSource("cases")
    void isRefusedAndNothingIsForwarded(String name, String port, int status, String request)
            throws IOException {
        int p = node.port(port);
        int before = instance.received().size();
        try (RawHttp conn = RawHttp.connect(p)) {
            RawHttp.Response r = conn.send(request).read();
            assertThat(r.status()).as("%s: %s", name, r.text()).isEqualTo(status);
            assertThat(r.header("x-rhizome-error"))
                    .isIn("bad-request", "uri-too-long", "headers-too-large");
            assertThat(conn.closedByServer())
                    .as("the connection cannot be trusted after it")
                    .isTrue();
        } catch (EOFException | SocketException e) {
            throw new AssertionError(name + ": the connection closed without an answer", e);
        }
        // A request after it on a fresh connection is answered: anything the hostile one had let
        // through
        // would have reached the instance before it.
        try (RawHttp conn = RawHttp.connect(p)) {
            assertThat(conn.send("GET /canary HTTP/1.1\r\nHost: shop\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
        List<String> received = instance.received();
        assertThat(received.subList(before, received.size()))
                .as("%s reached the instance", name)
                .containsExactly("GET /canary");
    }
}
