package io.rhizome.mesh.node.routing;

import static io.rhizome.mesh.node.routing.RouteFixtures.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.policy.ResourceCodec;
import org.junit.jupiter.api.Test;

/**
 * Routes' {@code grpc} matches pick calls by service and method (gRPC's path is /service/method),
 * with GRPCRoute's precedence: an exact method beats a whole service, which beats a pattern.
 */
class GrpcRouteMatchTest {
    private static final RouteTable TABLE =
            RouteTable.build(
                    ResourceCodec.parseHocon(
                            """
            kind = Route, name = g, spec { service = greeter, rules = [
              { match { grpc { method = "Say.*", type = regex } }, backends = [ { subset { rule = pattern } } ] }
              { match { grpc { service = rhizome.example.Greeter } }, backends = [ { subset { rule = service } } ] }
              { match { grpc { service = rhizome.example.Greeter, method = SayHello } }, backends = [ { subset { rule = method } } ] }
              { match { grpc { method = Ping } }, backends = [ { subset { rule = ping } } ] }
            ] }
            """));

    private static String call(String path) {
        return winner(TABLE, "greeter", RequestView.of("POST", path));
    }

    @Test
    void anExactMethodBeatsItsServiceWhichBeatsAPattern() {
        assertThat(call("/rhizome.example.Greeter/SayHello")).isEqualTo("method");
        assertThat(call("/rhizome.example.Greeter/SayBye")).isEqualTo("service");
        assertThat(call("/other.Greeter/SayHi")).isEqualTo("pattern");
    }

    @Test
    void aMethodAloneMatchesItInAnyServiceAndNothingElse() {
        assertThat(call("/other.Health/Ping")).isEqualTo("ping");
        assertThat(call("/other.Health/Pingg")).isEqualTo("no-route");
        assertThat(call("/rhizome.example.GreeterX/Other")).isEqualTo("no-route");
    }
}
