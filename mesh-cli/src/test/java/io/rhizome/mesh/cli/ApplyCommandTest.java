package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyCommandTest {

    /** What every file below holds, as the node should receive it. */
    private static final String CANARY_JSON =
            """
      {"kind": "Route", "name": "echo-canary", "spec": {
        "service": "echo",
        "rules": [{
          "matches": [{"path-prefix": "/api", "headers": {"x-canary": "yes"}}],
          "backends": [{"subset": {"version": "v2"}, "weight": 10}, {"weight": 90}],
          "timeout": "2s",
          "retries": {"attempts": 2, "on": ["connect-failure", "5xx"]}
        }]
      }}
      """;

    private static final String CANARY_HOCON =
            """
      # The canary: 10% to v2.
      kind = Route
      name = echo-canary
      spec {
        service = echo
        rules = [ {
          matches = [ { path-prefix = "/api", headers { x-canary = "yes" } } ]
          backends = [ { subset { version = v2 }, weight = 10 }, { weight = 90 } ]
          timeout = 2s
          retries { attempts = 2, on = [connect-failure, "5xx"] }
        } ]
      }
      """;

    private static final String CANARY_YAML =
            """
      kind: Route
      name: echo-canary
      spec:
        service: echo
        rules:
          - matches:
              - path-prefix: /api
                headers: {x-canary: yes}
            backends:
              - subset: {version: v2}
                weight: 10
              - weight: 90
            timeout: 2s
            retries:
              attempts: 2
              on: [connect-failure, 5xx]
      """;

    private static final String UPDATED =
            """
      {"results": [{"kind": "Route", "name": "echo-canary", "status": "updated", "version": "42"}],
       "seen-by": 3, "members": 3, "replicating": false}
      """;

    @TempDir Path dir;

    private FakeNode node;

    @BeforeEach
    void startNode() throws IOException {
        node = FakeNode.start().answer("/v1/apply", UPDATED);
    }

    @AfterEach
    void stopNode() {
        node.close();
    }

    @Test
    void appliesAHoconFile() throws IOException {
        Cli.Result result =
                Cli.run(
                        "--node",
                        node.address(),
                        "apply",
                        "-f",
                        write("canary.conf", CANARY_HOCON));

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(result.outLines()).containsExactly("echo-canary  updated  seen by 3/3 nodes");
        assertSentCanary();
    }

    @Test
    void appliesAJsonFile() throws IOException {
        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("canary.json", CANARY_JSON));

        assertThat(result.exitCode()).isZero();
        assertSentCanary();
    }

    @Test
    void appliesAYamlFileWithOnAndYesAsStrings() throws IOException {
        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("canary.yaml", CANARY_YAML));

        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).isEmpty();
        assertSentCanary();
    }

    @Test
    void readsStdinWhateverItsFormat() {
        for (String text : new String[] {CANARY_JSON, CANARY_HOCON, CANARY_YAML}) {
            Cli.Result result =
                    Cli.runWithStdin(text, Map.of(), "--node", node.address(), "apply", "-f", "-");

            assertThat(result.exitCode()).as(text).isZero();
            assertThat(result.err()).isEmpty();
        }
        assertThat(node.requests())
                .hasSize(3)
                .allSatisfy(
                        request ->
                                assertThat(Json.parse(request.body()))
                                        .isEqualTo(Json.parse(CANARY_JSON)));
    }

    @Test
    void aTopLevelYamlListIsAResourcesList() throws IOException {
        String yaml =
                """
        - {kind: Route, name: a, spec: {service: echo}}
        - {kind: RateLimit, name: b, spec: {service: echo, requests-per-second: 100}}
        """;

        Cli.run("--node", node.address(), "apply", "-f", write("batch.yml", yaml));

        assertThat(Json.parse(node.requests().get(0).body()))
                .isEqualTo(
                        Json.parse(
                                """
                {"resources": [{"kind": "Route", "name": "a", "spec": {"service": "echo"}},
                  {"kind": "RateLimit", "name": "b",
                   "spec": {"service": "echo", "requests-per-second": 100}}]}
                """));
    }

    @Test
    void aTopLevelJsonListIsAResourcesList() throws IOException {
        Cli.run(
                "--node",
                node.address(),
                "apply",
                "-f",
                write("batch.json", "[" + CANARY_JSON + "]"));

        var sent = ConfigFactory.parseString(node.requests().get(0).body());
        assertThat(sent.getObjectList("resources"))
                .singleElement()
                .isEqualTo(Json.parse(CANARY_JSON));
    }

    @Test
    void sendsJsonWithTheBearerToken() throws IOException {
        Cli.Result result =
                Cli.run(
                        Map.of("MESH_TOKEN", "s3cret"),
                        "--node",
                        node.address(),
                        "apply",
                        "-f",
                        write("canary.json", CANARY_JSON));

        assertThat(result.exitCode()).isZero();
        assertThat(node.requests())
                .singleElement()
                .satisfies(
                        request -> {
                            assertThat(request.method()).isEqualTo("POST");
                            assertThat(request.path()).isEqualTo("/v1/apply");
                            assertThat(request.contentType()).isEqualTo("application/json");
                            assertThat(request.authorization()).isEqualTo("Bearer s3cret");
                        });
    }

    @Test
    void printsOneAlignedLinePerResource() throws IOException {
        node.answer(
                "/v1/apply",
                """
        {"results": [
          {"kind": "Route", "name": "echo-canary", "status": "created", "version": "7"},
          {"kind": "RateLimit", "name": "echo", "status": "unchanged", "version": "3"}],
         "seen-by": 3, "members": 3, "replicating": false}
        """);

        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.outLines())
                .containsExactly(
                        "echo-canary  created    seen by 3/3 nodes",
                        "echo         unchanged  seen by 3/3 nodes");
    }

    @Test
    void namesTheKindWhenANameRepeatsAcrossKinds() throws IOException {
        node.answer(
                "/v1/apply",
                """
        {"results": [
          {"kind": "Route", "name": "echo", "status": "created"},
          {"kind": "DestinationPolicy", "name": "echo", "status": "updated"}],
         "seen-by": 2, "members": 3}
        """);

        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.outLines())
                .containsExactly(
                        "route/echo              created  seen by 2/3 nodes",
                        "destinationpolicy/echo  updated  seen by 2/3 nodes");
    }

    @Test
    void acceptedButStillReplicatingIsExitZeroWithAWarning() throws IOException {
        node.answer(
                "/v1/apply",
                202,
                """
        {"results": [{"kind": "Route", "name": "echo-canary", "status": "updated", "version": "43"}],
         "seen-by": 1, "members": 3, "replicating": true}
        """);

        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.exitCode()).isZero();
        assertThat(result.outLines()).containsExactly("echo-canary  updated  seen by 1/3 nodes");
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: warning: accepted by "
                                + node.address()
                                + ", still replicating (seen by 1/3 nodes)");
    }

    @Test
    void jsonOutputIsTheNodesAnswer() throws IOException {
        Cli.Result result =
                Cli.run(
                        "--node",
                        node.address(),
                        "apply",
                        "-f",
                        write("c.conf", CANARY_HOCON),
                        "-o",
                        "json");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("{\n  \"members\": 3,");
        assertThat(Json.parse(result.out())).isEqualTo(Json.parse(UPDATED));
    }

    @Test
    void anInvalidResourceIsOneLineAndExitCodeOne() throws IOException {
        node.answer(
                "/v1/apply",
                400,
                """
        {"error": "invalid-resource",
         "message": "resources[0].spec.rules[1].backends[0].weight: -5 (expected: 0..1000)"}
        """);

        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: resources[0].spec.rules[1].backends[0].weight: -5 (expected: 0..1000)");
    }

    @Test
    void unauthorizedIsTheNodesMessage() throws IOException {
        node.answer("/v1/apply", 401, "{\"error\": \"unauthorized\", \"message\": \"bad token\"}");

        Cli.Result result =
                Cli.run("--node", node.address(), "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("meshctl: bad token");
    }

    @Test
    void aMissingFileIsOneLineAndExitCodeOne() {
        String missing = dir.resolve("nope.conf").toString();

        Cli.Result result = Cli.run("--node", node.address(), "apply", "-f", missing);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines()).containsExactly("meshctl: " + missing + ": no such file");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void aDirectoryIsUnreadable() {
        Cli.Result result = Cli.run("--node", node.address(), "apply", "-f", dir.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: " + dir + ": ");
    }

    @Test
    void malformedFilesAreOneLineNamingTheFile() throws IOException {
        String hocon = write("bad.conf", "kind = Route\nspec {\n  service = echo\n");
        String json = write("bad.json", "{\"kind\": \"Route\",}");
        String yaml = write("bad.yaml", "kind: Route\nspec:\n  service: echo\n   rules: [\n");
        String unknown = write("bad.txt", "kind = [");

        for (String file : new String[] {hocon, json, yaml, unknown}) {
            Cli.Result result = Cli.run("--node", node.address(), "apply", "-f", file);

            assertThat(result.exitCode()).as(file).isEqualTo(1);
            assertThat(result.out()).isEmpty();
            assertThat(result.errLines())
                    .as(file)
                    .singleElement()
                    .asString()
                    .startsWith("meshctl: " + file + ": ");
        }
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void aYamlErrorNamesTheLine() throws IOException {
        String yaml = write("bad.yaml", "kind: Route\nname: [a\n");

        Cli.Result result = Cli.run("--node", node.address(), "apply", "-f", yaml);

        assertThat(result.errLines())
                .singleElement()
                .asString()
                .startsWith("meshctl: " + yaml + ": line 3, column 1: ");
    }

    @Test
    void missingFileOptionIsAUsageError() {
        Cli.Result result = Cli.run("--node", node.address(), "apply");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines())
                .containsExactly(
                        "meshctl: Missing required option: '--filename=FILE' (see 'meshctl apply --help')");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void unreachableNodeIsExitCodeThree() throws IOException {
        String closed = "127.0.0.1:" + closedPort();

        Cli.Result result = Cli.run("--node", closed, "apply", "-f", write("c.conf", CANARY_HOCON));

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.errLines())
                .containsExactly("meshctl: cannot reach node " + closed + ": connection refused");
    }

    private void assertSentCanary() {
        assertThat(node.requests())
                .singleElement()
                .satisfies(
                        request -> {
                            assertThat(request.method()).isEqualTo("POST");
                            assertThat(Json.parse(request.body()))
                                    .isEqualTo(Json.parse(CANARY_JSON));
                            var sent = ConfigFactory.parseString(request.body());
                            assertThat(sent.getString("kind")).isEqualTo("Route");
                            assertThat(sent.getString("name")).isEqualTo("echo-canary");
                            assertThat(sent.getString("spec.service")).isEqualTo("echo");
                        });
    }

    private String write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, UTF_8).toString();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
