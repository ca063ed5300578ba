package io.rhizome.mesh.bench.jmh;

import io.rhizome.mesh.node.routing.RequestView;
import io.rhizome.mesh.node.routing.RouteDecision;
import io.rhizome.mesh.node.routing.RouteTable;
import io.rhizome.mesh.protocol.v1.Backend;
import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.RouteMatch;
import io.rhizome.mesh.protocol.v1.RouteRule;
import io.rhizome.mesh.protocol.v1.RouteSpec;
import io.rhizome.mesh.protocol.v1.ValueMatch;
import io.rhizome.mesh.protocol.v1.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching on the request path: one service with {@code rules} rules (path prefixes, one
 * exact path, header and method conditions, one regex), matched against a request that wins the
 * last prefix rule, one that needs a header match, and one that matches nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBench {
    @Param({"4", "32"})
    int rules;

    RouteTable table;
    RequestView prefixHit;
    RequestView headerHit;
    RequestView miss;

    @Setup
    public void setUp() {
        List<RouteRule> list = new ArrayList<>();
        for (int i = 0; i < rules - 2; i++) {
            list.add(
                    rule(
                            RouteMatch.newBuilder()
                                    .setPathPrefix("/api/v" + i)
                                    .setMethod(i % 2 == 0 ? "GET" : "")));
        }
        list.add(rule(RouteMatch.newBuilder().setPathExact("/healthz")));
        list.add(
                rule(
                        RouteMatch.newBuilder()
                                .setPathRegex("/users/[0-9]+/orders")
                                .addHeaders(
                                        ValueMatch.newBuilder()
                                                .setName("x-canary")
                                                .setExact("1"))));
        Resource route =
                Resource.newBuilder()
                        .setKind("Route")
                        .setName("orders")
                        .setRoute(RouteSpec.newBuilder().setService("orders").addAllRules(list))
                        .setVersion(Version.newBuilder().setPhysicalMillis(1_000).setNode("node-1"))
                        .build();
        table = RouteTable.build(List.of(route));
        prefixHit =
                RequestView.of(
                        "GET",
                        "/api/v" + (rules - 4) + "/items?page=2",
                        Map.of("host", "orders", "user-agent", "bench", "accept", "*/*"));
        headerHit =
                RequestView.of(
                        "POST", "/users/42/orders", Map.of("host", "orders", "x-canary", "1"));
        miss = RequestView.of("DELETE", "/nothing/here", Map.of("host", "orders"));
    }

    private static RouteRule rule(RouteMatch.Builder match) {
        return RouteRule.newBuilder()
                .addMatches(match)
                .addBackends(Backend.newBuilder().setWeight(1))
                .build();
    }

    @Benchmark
    public RouteDecision prefixHit() {
        return table.match("orders", prefixHit);
    }

    @Benchmark
    public RouteDecision regexAndHeaderHit() {
        return table.match("orders", headerHit);
    }

    @Benchmark
    public RouteDecision noRuleMatches() {
        return table.match("orders", miss);
    }

    @Benchmark
    public RouteDecision serviceWithoutRoutes() {
        return table.match("billing", prefixHit);
    }
}
