package io.rhizome.mesh.node.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LocalAnswersTest {
    @Test
    void httpCallersGetTheStatusTheReasonAndAOneLineBody() {
        FullHttpResponse r = LocalAnswers.of(ProxyErrors.RATE_LIMITED, "slow down", 3, false);
        assertThat(r.status().code()).isEqualTo(429);
        assertThat(r.headers().get("x-rhizome-error")).isEqualTo("rate-limited");
        assertThat(r.headers().get("retry-after")).isEqualTo("3");
        assertThat(r.content().toString(StandardCharsets.UTF_8))
                .isEqualTo("rate-limited: slow down\n");
        r.release();
    }

    @Test
    void grpcCallersGetATrailersOnlyAnswerWithTheMappedStatus() {
        FullHttpResponse r = LocalAnswers.of(ProxyErrors.RATE_LIMITED, "slow down", 3, true);
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.content().readableBytes()).isZero();
        assertThat(r.headers().get("content-type")).isEqualTo("application/grpc");
        assertThat(r.headers().get("grpc-status")).isEqualTo("8"); // RESOURCE_EXHAUSTED
        assertThat(r.headers().get("grpc-message")).isEqualTo("rate-limited: slow down");
        assertThat(r.headers().get("x-rhizome-error")).isEqualTo("rate-limited");
    }

    @Test
    void eachMeshErrorMapsToTheGrpcStatusClientsExpect() {
        assertThat(ProxyErrors.UNKNOWN_SERVICE.grpcStatus()).isEqualTo(12); // UNIMPLEMENTED
        assertThat(ProxyErrors.NO_HEALTHY_ENDPOINT.grpcStatus()).isEqualTo(14); // UNAVAILABLE
        assertThat(ProxyErrors.OVERFLOW.grpcStatus()).isEqualTo(14);
        assertThat(ProxyErrors.UPSTREAM_CONNECT_FAILURE.grpcStatus()).isEqualTo(14);
        assertThat(ProxyErrors.UPSTREAM_RESET.grpcStatus()).isEqualTo(14);
        assertThat(ProxyErrors.FORBIDDEN.grpcStatus()).isEqualTo(7); // PERMISSION_DENIED
        assertThat(ProxyErrors.TIMEOUT.grpcStatus()).isEqualTo(4); // DEADLINE_EXCEEDED
        assertThat(ProxyErrors.BAD_REQUEST.grpcStatus()).isEqualTo(13); // INTERNAL
    }

    @Test
    void grpcMessagesArePercentEncodedUtf8() {
        assertThat(LocalAnswers.percentEncode("ok 100% ü\n")).isEqualTo("ok 100%25 %C3%BC%0A");
    }

    @Test
    void grpcIsTheContentTypeAloneOrWithACodecNotGrpcWeb() {
        assertThat(LocalAnswers.isGrpc("application/grpc")).isTrue();
        assertThat(LocalAnswers.isGrpc("application/grpc+proto")).isTrue();
        assertThat(LocalAnswers.isGrpc("Application/GRPC; charset=utf-8")).isTrue();
        assertThat(LocalAnswers.isGrpc("application/grpc-web")).isFalse();
        assertThat(LocalAnswers.isGrpc("application/json")).isFalse();
        assertThat(LocalAnswers.isGrpc(null)).isFalse();
    }
}
