package io.rhizome.mesh.node.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health check of a local service ({@code rhizome.services[i].health-check}). Defaults: tcp,
 * path "/", interval 5s, timeout 1s, unhealthy-threshold 2, healthy-threshold 1.
 */
public record HealthCheckSettings(
        Protocol protocol,
        String path,
        Duration interval,
        Duration timeout,
        int unhealthyThreshold,
        int healthyThreshold) {

    public enum Protocol {
        TCP,
        HTTP,
        NONE
    }

    public static final HealthCheckSettings DEFAULT =
            new HealthCheckSettings(
                    Protocol.TCP, "/", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 1);

    public HealthCheckSettings {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
    }
}
