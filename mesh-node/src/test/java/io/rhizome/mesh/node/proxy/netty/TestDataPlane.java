package io.rhizome.mesh.node.proxy.netty;

import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node's real data plane for component tests: free loopback ports, a fixed mesh snapshot, the
 * given resources, no cluster. Closing it stops the data plane and then closes what was handed to
 * {@link Builder#closing}.
 */
final class TestDataPlane implements AutoCloseable {
    private final NodeSettings settings;
    private final DataPlane dataPlane;
    private final List<AutoCloseable> resources;

    private TestDataPlane(
            NodeSettings settings, DataPlane dataPlane, List<AutoCloseable> resources) {
        this.settings = settings;
        this.dataPlane = dataPlane;
        this.resources = resources;
    }

    static Builder builder() {
        return new Builder();
    }

    NodeSettings settings() {
        return settings;
    }

    DataPlane dataPlane() {
        return dataPlane;
    }

    int outboundPort() {
        return settings.outbound().address().port();
    }

    int inboundPort() {
        return settings.inbound().port();
    }

    /** The outbound port for "outbound", the inbound port for "inbound". */
    int port(String which) {
        return which.equals("outbound") ? outboundPort() : inboundPort();
    }

    /**
     * An instance that node {@code node} fronts: from that node's outbound port, the local
     * shortcut.
     */
    static MeshEndpoint local(
            String node,
            String service,
            HostPort instance,
            HostPort inbound,
            Map<String, String> labels) {
        return new MeshEndpoint(
                node + "/" + service,
                service,
                node,
                instance,
                inbound,
                labels,
                EndpointStatus.SERVING,
                true,
                true,
                "Up");
    }

    /** An instance behind another node's inbound port. */
    static MeshEndpoint remote(String node, String service, HostPort instance, HostPort inbound) {
        return new MeshEndpoint(
                node + "/" + service,
                service,
                node,
                instance,
                inbound,
                Map.of(),
                EndpointStatus.SERVING,
                false,
                true,
                "Up");
    }

    /** An instance of a {@code tcp} service behind another node's inbound port. */
    static MeshEndpoint remoteTcp(
            String node, String service, HostPort instance, HostPort inbound) {
        return new MeshEndpoint(
                node + "/" + service,
                service,
                node,
                instance,
                inbound,
                Map.of(),
                EndpointStatus.SERVING,
                false,
                true,
                "Up",
                "",
                MeshEndpoint.TCP);
    }

    private static MeshEndpoint withProtocol(MeshEndpoint e, String protocol) {
        return new MeshEndpoint(
                e.id(),
                e.service(),
                e.node(),
                e.address(),
                e.inbound(),
                e.labels(),
                e.status(),
                e.local(),
                e.reachable(),
                e.memberStatus(),
                e.identity(),
                protocol);
    }

    @Override
    public void close() {
        dataPlane.stop(Duration.ZERO);
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // closing the rest anyway
            }
        }
    }

    static final class Builder {
        private String node = "node-a";
        private final StringBuilder config = new StringBuilder();
        private final List<String> services = new ArrayList<>();
        private final Map<String, List<MeshEndpoint>> endpoints = new LinkedHashMap<>();
        private final Map<String, HostPort> localEndpoints = new LinkedHashMap<>();
        private final Map<String, String> protocols = new LinkedHashMap<>();
        private String policies = "resources = []";
        private String selfIdentity;
        private final List<AutoCloseable> resources = new ArrayList<>();

        Builder node(String name) {
            this.node = name;
            return this;
        }

        /** Node configuration lines beyond the name and ports (HOCON). */
        Builder config(String hocon) {
            config.append(hocon).append('\n');
            return this;
        }

        /**
         * A local service of this node ({@code rhizome.services}), served by the instance at that
         * address.
         */
        Builder service(String name, HostPort instance) {
            services.add("{ name = " + name + ", address = \"" + instance + "\" }");
            return this;
        }

        /**
         * A local service whose instances speak {@code protocol} ({@code http} or {@code http2}).
         */
        Builder service(String name, HostPort instance, String protocol) {
            services.add(
                    "{ name = "
                            + name
                            + ", address = \""
                            + instance
                            + "\", protocol = "
                            + protocol
                            + " }");
            protocols.put(name, protocol);
            return this;
        }

        /** Publishes the service as fronted by this node, at this node's inbound port. */
        Builder localEndpoint(String service, HostPort instance) {
            localEndpoints.put(service, instance);
            return this;
        }

        /** Publishes these endpoints of the service. */
        Builder endpoints(String service, MeshEndpoint... list) {
            endpoints.put(service, List.of(list));
            return this;
        }

        /** The resources in force (HOCON, {@code resources = [...]}). */
        Builder policies(String hocon) {
            this.policies = hocon;
            return this;
        }

        Builder selfIdentity(String spiffeId) {
            this.selfIdentity = spiffeId;
            return this;
        }

        /** Closed after the data plane stops (upstreams, listeners). */
        Builder closing(AutoCloseable... list) {
            resources.addAll(List.of(list));
            return this;
        }

        TestDataPlane start() throws IOException {
            int[] ports = FreePorts.next(3);
            NodeSettings settings =
                    SettingsLoader.fromConfig(
                            ConfigFactory.parseString(
                                    """
                    rhizome.node.name = %s
                    rhizome.cluster.port = 0
                    rhizome.admin.port = %d
                    rhizome.outbound.port = %d
                    rhizome.inbound.port = %d
                    rhizome.services = [ %s ]
                    %s
                    """
                                            .formatted(
                                                    node,
                                                    ports[0],
                                                    ports[1],
                                                    ports[2],
                                                    String.join(", ", services),
                                                    config)));
            Map<String, List<MeshEndpoint>> published = new LinkedHashMap<>();
            localEndpoints.forEach(
                    (service, instance) ->
                            published.put(
                                    service,
                                    List.of(
                                            withProtocol(
                                                    local(
                                                            node,
                                                            service,
                                                            instance,
                                                            settings.inbound(),
                                                            Map.of()),
                                                    protocols.getOrDefault(service, "http")))));
            published.putAll(endpoints);
            MeshView view = new MeshView();
            view.publish(new MeshSnapshot(published, List.of()));
            DataPlane dataPlane =
                    NettyDataPlane.create(
                            settings,
                            view,
                            new EndpointSelector(EjectionTracker.create()),
                            PolicyViews.fromHocon(policies));
            if (selfIdentity != null) {
                dataPlane.selfIdentity(selfIdentity);
            }
            dataPlane.start();
            return new TestDataPlane(settings, dataPlane, List.copyOf(resources));
        }
    }
}
