package io.rhizome.mesh.node.config;

import java.util.Map;
import java.util.Objects;

/** A local service instance this node fronts ({@code rhizome.services[i]}). */
public record ServiceSettings(String name, HostPort address, Map<String, String> labels, HealthCheckSettings healthCheck) {

    public ServiceSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(healthCheck, "healthCheck");
    }
}
