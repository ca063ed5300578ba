package io.rhizome.mesh.node.config;

import java.util.Map;
import java.util.Objects;

/**
 * A local service instance this node fronts ({@code rhizome.services[i]}).
 *
 * @param protocol how the instance speaks: {@link Protocol#HTTP} (default) calls it with the
 *     caller's protocol, {@link Protocol#HTTP2} always over HTTP/2 (prior knowledge), {@link
 *     Protocol#TCP} as opaque bytes (a connection of a caller's upstream listener is joined to it,
 *     never parsed)
 */
public record ServiceSettings(
        String name,
        HostPort address,
        Map<String, String> labels,
        HealthCheckSettings healthCheck,
        Protocol protocol) {

    /** The protocol of a service's instances ({@code rhizome.services[i].protocol}). */
    public enum Protocol {
        HTTP,
        HTTP2,
        TCP
    }

    public ServiceSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(protocol, "protocol");
    }

    public ServiceSettings(
            String name,
            HostPort address,
            Map<String, String> labels,
            HealthCheckSettings healthCheck) {
        this(name, address, labels, healthCheck, Protocol.HTTP);
    }
}
