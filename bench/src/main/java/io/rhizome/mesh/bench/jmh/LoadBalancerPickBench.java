package io.rhizome.mesh.bench.jmh;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.loadbalancing.EndpointStats;
import io.rhizome.mesh.node.loadbalancing.LoadBalancer;
import io.rhizome.mesh.node.loadbalancing.PickContext;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
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
 * One load-balancer pick among {@code endpoints} candidates, for the balancers a DestinationPolicy
 * names.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerPickBench {
    @Param({"round-robin", "least-request", "maglev"})
    String balancer;

    @Param({"3", "50"})
    int endpoints;

    LoadBalancer lb;
    List<MeshEndpoint> candidates;
    PickContext keyed;

    @Setup
    public void setUp() {
        EndpointStats stats = EndpointStats.create();
        lb =
                LoadBalancer.of(
                        DestinationPolicySpec.newBuilder()
                                .setService("orders")
                                .setLoadBalancer(balancer)
                                .build(),
                        stats);
        candidates = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            String node = String.format("node-%03d", i);
            candidates.add(
                    new MeshEndpoint(
                            node + "/orders",
                            "orders",
                            node,
                            new HostPort("127.0.0.1", 8080 + i),
                            new HostPort("127.0.0.1", 15006 + i),
                            Map.of("version", "v1"),
                            EndpointStatus.SERVING,
                            false,
                            true,
                            "Up"));
            // A little history for least-request's latency estimates.
            stats.start(node + "/orders").success();
        }
        candidates = List.copyOf(candidates);
        keyed = PickContext.ofKey("user-4711");
        lb.pick(candidates, keyed); // builds a hashing balancer's table outside the measurement
    }

    @Benchmark
    public MeshEndpoint pick() {
        return lb.pick(candidates, PickContext.NONE);
    }

    @Benchmark
    public MeshEndpoint pickWithHashKey() {
        return lb.pick(candidates, keyed);
    }
}
