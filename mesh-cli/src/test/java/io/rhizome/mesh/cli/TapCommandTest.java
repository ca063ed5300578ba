package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TapCommandTest {

    private static final String REQUEST =
            "{\"type\":\"request\",\"time\":\"2026-11-26T10:21:02.803Z\",\"node\":\"node-3\","
                    + "\"direction\":\"outbound\",\"method\":\"GET\",\"path\":\"/hello\",\"status\":200,\"latency-ms\":1.97,"
                    + "\"caller\":\"web\",\"endpoint\":\"127.0.0.1:15006\",\"route\":\"\",\"error\":\"\",\"flags\":\"\"";

    @Test
    void aRequestIsOneLineWithoutHeaders() {
        String line = TapCommand.format(Json.parse(REQUEST + "}"));
        assertThat(line.lines())
                .singleElement()
                .satisfies(
                        l ->
                                assertThat(l)
                                        .endsWith(
                                                " node-3 outbound GET /hello 200 1.97ms caller=web endpoint=127.0.0.1:15006"));
    }

    @Test
    void aGrpcCallShowsItsStatus() {
        String line = TapCommand.format(Json.parse(REQUEST + ",\"grpc-status\":14}"));
        assertThat(line).endsWith(" 200 1.97ms grpc-status=14 caller=web endpoint=127.0.0.1:15006");
    }

    @Test
    void includedHeadersFollowIndentedByName() {
        String line =
                TapCommand.format(
                        Json.parse(
                                REQUEST
                                        + ",\"headers\":{\"x-tenant\":\"acme\",\"authorization\":\"[redacted]\",\"accept\":\"*/*\"}}"));
        assertThat(line.lines())
                .hasSize(4)
                .element(0)
                .asString()
                .endsWith("endpoint=127.0.0.1:15006");
        assertThat(line.lines().skip(1))
                .containsExactly(
                        "    accept: */*", "    authorization: [redacted]", "    x-tenant: acme");
    }
}
