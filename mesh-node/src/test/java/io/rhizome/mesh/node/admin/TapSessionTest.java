package io.rhizome.mesh.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.observability.tap.TapEvent;
import org.junit.jupiter.api.Test;

class TapSessionTest {
    @Test
    void aGrpcCallsLineCarriesItsStatusAndOtherRequestsLinesDoNot() {
        TapEvent grpc =
                new TapEvent(
                        "node-1",
                        "outbound",
                        "greeter",
                        "",
                        "POST",
                        "/rhizome.example.Greeter/SayHello",
                        200,
                        "",
                        1_500,
                        "web",
                        "127.0.0.1:15006",
                        0L,
                        "",
                        new String[0],
                        14);
        TapEvent plain =
                new TapEvent(
                        "node-1",
                        "outbound",
                        "echo",
                        "",
                        "GET",
                        "/hello",
                        200,
                        "",
                        1_500,
                        "web",
                        "127.0.0.1:15006",
                        0L,
                        "");
        assertThat(TapSession.line(grpc))
                .containsEntry("grpc-status", 14)
                .containsEntry("status", 200);
        assertThat(TapSession.line(plain)).doesNotContainKey("grpc-status");
    }
}
