package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Endpoints of service {@code orders} for balancer tests, and pick counting. */
final class Endpoints {
    private Endpoints() {}

    static MeshEndpoint endpoint(String node, Map<String, String> labels) {
        return new MeshEndpoint(
                node + "/orders",
                "orders",
                node,
                new HostPort("10.0.0.1", 8080),
                new HostPort(node, 15006),
                labels,
                EndpointStatus.SERVING,
                false,
                true,
                "Up");
    }

    static MeshEndpoint endpoint(String node) {
        return endpoint(node, Map.of());
    }

    /** {@code node-a/orders}, {@code node-b/orders}, ... */
    static List<MeshEndpoint> endpoints(int n) {
        List<MeshEndpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(endpoint("node-" + (char) ('a' + i)));
        }
        return List.copyOf(list);
    }

    /** How many of {@code times} picks each endpoint id got. */
    static Map<String, Integer> count(int times, Supplier<MeshEndpoint> pick) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < times; i++) {
            counts.merge(pick.get().id(), 1, Integer::sum);
        }
        return counts;
    }
}
