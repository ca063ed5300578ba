package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Authorization enforced where requests reach a local instance, on real sockets: the inbound port
 * (a plaintext peer: no identity) and the outbound side's local shortcut (the node's own identity).
 * Paths are matched in the form they are forwarded in, so no spelling of {@code /admin} gets past a
 * rule that denies it.
 */
class AuthorizationEnforcementTest {

    private static final String SELF = "spiffe://example.org/service/web";

    private static final String POLICIES =
            """
            resources = [
              { kind = Authorization, name = shop, spec {
                  service = shop
                  rules = [ { action = deny, path-prefixes = ["/admin"] },
                            { action = deny, methods = [DELETE], paths = ["/orders"] } ] } }
              { kind = Authorization, name = vault, spec {
                  service = vault
                  default = deny
                  rules = [ { action = allow, from = ["spiffe://example.org/service/web"], methods = [GET] } ] } }
            ]
            """;

    private static InstanceUpstream instance;
    private static TestDataPlane node;

    @BeforeAll
    static void start() throws IOException {
        instance = InstanceUpstream.start("i1");
        node =
                TestDataPlane.builder()
                        .service("shop", instance.address())
                        .service("vault", instance.address())
                        .localEndpoint("shop", instance.address())
                        .localEndpoint("vault", instance.address())
                        .policies(POLICIES)
                        .selfIdentity(SELF)
                        .closing(instance)
                        .start();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Each spelling on both ports: the status, and the path the instance received (- for none). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            /admin                  | 403 | -
            /admin/                 | 403 | -
            /admin/users            | 403 | -
            //admin                 | 403 | -
            ///admin//users         | 403 | -
            /./admin                | 403 | -
            /x/../admin             | 403 | -
            /x/./../admin/./        | 403 | -
            /%61dmin                | 403 | -
            /adm%69n/x              | 403 | -
            /%2e%2e/admin           | 403 | -
            /x/%2E%2E/admin         | 403 | -
            /admin;x                | 403 | -
            /admin;jsessionid=1/x   | 403 | -
            /admin?x                | 403 | -
            /admin?x=/../public     | 403 | -
            /admin%2F..             | 400 | -
            /admin%2f..%2fpublic    | 400 | -
            /public%2F..%2Fadmin    | 400 | -
            /public/..%5Cadmin      | 400 | -
            /public/..;/admin       | 400 | -
            /admin#                 | 400 | -
            /admin%00               | 400 | -
            /admin%                 | 400 | -
            /ADMIN                  | 200 | /ADMIN
            /administrator          | 200 | /administrator
            /x/../public            | 200 | /public
            /public/%7Euser         | 200 | /public/~user
            """)
    void noSpellingOfADeniedPathGetsThrough(String path, int status, String forwarded)
            throws IOException {
        for (int port : new int[] {node.outboundPort(), node.inboundPort()}) {
            String marker = "?probe=" + port + "-" + Integer.toHexString(path.hashCode());
            String target = path.contains("?") || path.contains("#") ? path : path + marker;
            long before = instance.received().size();
            try (RawHttp conn = RawHttp.connect(port)) {
                RawHttp.Response r =
                        conn.send("GET " + target + " HTTP/1.1\r\nHost: shop\r\n\r\n").read();
                assertThat(r.status())
                        .as("%s on port %d: %s", path, port, r.text())
                        .isEqualTo(status);
                if (status == 403) {
                    assertThat(r.header("x-rhizome-error")).isEqualTo("forbidden");
                    assertThat(r.text())
                            .startsWith(
                                    "forbidden: \"shop\" does not allow this request (Authorization shop rules[0])");
                } else if (status == 400) {
                    assertThat(r.header("x-rhizome-error")).isEqualTo("bad-request");
                }
            }
            List<String> received = instance.received();
            List<String> now = received.subList((int) before, received.size());
            if (forwarded.equals("-")) {
                assertThat(now).as("%s on port %d reaches nothing", path, port).isEmpty();
            } else {
                assertThat(now)
                        .as("%s on port %d is forwarded as the form it was matched in", path, port)
                        .containsExactly("GET " + forwarded + marker);
            }
        }
    }

    @Test
    void aDenialKeepsTheConnectionAndDropsTheRequestBody() throws IOException {
        try (RawHttp conn = RawHttp.connect(node.inboundPort())) {
            String body = "{\"all\": true}";
            RawHttp.Response denied =
                    conn.send(
                                    "DELETE /orders HTTP/1.1\r\nHost: shop\r\nContent-Length: "
                                            + body.length()
                                            + "\r\n\r\n"
                                            + body)
                            .read();
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.text()).contains("Authorization shop rules[1]");
            assertThat(conn.send("GET /orders HTTP/1.1\r\nHost: shop\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
        assertThat(instance.received("DELETE /orders")).isZero();
        assertThat(node.dataPlane().authorizationStats().denied("shop")).isPositive();
    }

    @Test
    void aRuleByCallerIdentityAdmitsTheNodesOwnAppsAndNotAPeerWithoutIdentity() throws IOException {
        try (RawHttp out = RawHttp.connect(node.outboundPort());
                RawHttp in = RawHttp.connect(node.inboundPort())) {
            assertThat(out.send("GET /secret HTTP/1.1\r\nHost: vault\r\n\r\n").read().status())
                    .as("the local shortcut: the caller is %s", SELF)
                    .isEqualTo(200);
            assertThat(
                            out.send(
                                            "POST /secret HTTP/1.1\r\nHost: vault\r\nContent-Length: 0\r\n\r\n")
                                    .read()
                                    .status())
                    .as("a method the rule does not allow")
                    .isEqualTo(403);
            RawHttp.Response peer = in.send("GET /secret HTTP/1.1\r\nHost: vault\r\n\r\n").read();
            assertThat(peer.status()).as("a plaintext peer has no identity").isEqualTo(403);
            assertThat(peer.text()).contains("the default of Authorization vault");
        }
        assertThat(instance.received("GET /secret")).isEqualTo(1);
        assertThat(instance.received("POST /secret")).isZero();
    }
}
