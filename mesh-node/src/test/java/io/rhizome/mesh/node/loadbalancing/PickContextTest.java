package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.routing.RequestView;
import io.rhizome.mesh.protocol.v1.HashOn;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PickContextTest {
    private final RequestView request =
            RequestView.of(
                    "GET",
                    "/orders",
                    Map.of("X-User", "alice", "Cookie", "theme=dark; session=\"s-42\"; lang=en"));

    @Test
    void theKeyComesFromWhatHashOnNames() {
        assertThat(
                        PickContext.of(
                                        HashOn.newBuilder().setHeader("x-user").build(),
                                        request,
                                        "10.1.2.3")
                                .hashKey())
                .isEqualTo("alice");
        assertThat(
                        PickContext.of(
                                        HashOn.newBuilder().setCookie("session").build(),
                                        request,
                                        "10.1.2.3")
                                .hashKey())
                .isEqualTo("s-42");
        assertThat(
                        PickContext.of(
                                        HashOn.newBuilder().setSourceIp(true).build(),
                                        request,
                                        "10.1.2.3")
                                .hashKey())
                .isEqualTo("10.1.2.3");
    }

    @Test
    void withoutHashOnOrTheValueThereIsNoKey() {
        assertThat(PickContext.of(null, request, "10.1.2.3")).isEqualTo(PickContext.NONE);
        assertThat(PickContext.of(HashOn.getDefaultInstance(), request, "10.1.2.3"))
                .isEqualTo(PickContext.NONE);
        assertThat(
                        PickContext.of(
                                HashOn.newBuilder().setHeader("x-tenant").build(),
                                request,
                                "10.1.2.3"))
                .isEqualTo(PickContext.NONE);
        assertThat(
                        PickContext.of(
                                HashOn.newBuilder().setCookie("missing").build(),
                                request,
                                "10.1.2.3"))
                .isEqualTo(PickContext.NONE);
    }

    @Test
    void cookiesAreFoundByExactName() {
        assertThat(PickContext.cookie("a=1; ab=2", "ab")).isEqualTo("2");
        assertThat(PickContext.cookie("ab=2;a=1", "a")).isEqualTo("1");
        assertThat(PickContext.cookie("flag; a=1", "a")).isEqualTo("1");
        assertThat(PickContext.cookie("a=1", "b")).isNull();
        assertThat(PickContext.cookie(null, "a")).isNull();
    }
}
