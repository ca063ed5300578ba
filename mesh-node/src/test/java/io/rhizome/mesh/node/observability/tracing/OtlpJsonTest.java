package io.rhizome.mesh.node.observability.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.observability.RequestRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {
    private static RequestRecord call(String path, int status, int grpcStatus) {
        return new RequestRecord(
                RequestRecord.Direction.OUTBOUND,
                "greeter",
                "",
                "",
                "POST",
                "greeter",
                path,
                status,
                "",
                1_700_000_000_000L,
                2_000_000L,
                10,
                20,
                "127.0.0.1:15006",
                "0af7651916cd43dd8448eb211c80319c",
                0,
                "",
                "b7ad6b7169203331",
                "",
                true,
                "",
                List.of(),
                grpcStatus);
    }

    @Test
    void aGrpcCallsSpanNamesServiceMethodAndStatusAndANonOkStatusIsAnError() {
        String failed =
                OtlpJson.request(
                        "node-1",
                        "web",
                        List.of(call("/rhizome.example.Greeter/SayHello", 200, 14)));
        assertThat(failed)
                .contains("{\"key\":\"rpc.system\",\"value\":{\"stringValue\":\"grpc\"}}")
                .contains(
                        "{\"key\":\"rpc.service\",\"value\":{\"stringValue\":\"rhizome.example.Greeter\"}}")
                .contains("{\"key\":\"rpc.method\",\"value\":{\"stringValue\":\"SayHello\"}}")
                .contains("{\"key\":\"rpc.grpc.status_code\",\"value\":{\"intValue\":\"14\"}}")
                .contains("\"status\":{\"code\":2}");
        String ok =
                OtlpJson.request(
                        "node-1",
                        "web",
                        List.of(call("/rhizome.example.Greeter/SayHello", 200, 0)));
        assertThat(ok)
                .contains("\"rpc.grpc.status_code\",\"value\":{\"intValue\":\"0\"}")
                .doesNotContain("\"status\":{\"code\":2}");
        String http = OtlpJson.request("node-1", "web", List.of(call("/orders", 200, -1)));
        assertThat(http).doesNotContain("rpc.system");
    }
}
