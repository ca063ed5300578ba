package io.rhizome.mesh.node.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A node's validated configuration: the {@code rhizome} section of its HOCON file over {@code
 * reference.conf}. Build it with {@link SettingsLoader}.
 *
 * @param identityService the workload identity this node presents (rhizome.identity.service, or the
 *     service its certificate names); "" when it has none
 * @param authorizationDefaultDeny {@code rhizome.authorization.default-deny}: a local service is
 *     closed to every request no Authorization rule allows
 * @param zone {@code rhizome.node.zone}: the zone this node runs in ("" when unset). Its services
 *     carry it as their {@code zone} label, and its data plane prefers endpoints of the same zone
 * @param observability {@code rhizome.metrics}, {@code rhizome.access-log}, {@code rhizome.tracing}
 * @param adminClientIdentities {@code rhizome.admin.tls}: the SPIFFE ids (patterns) whose client
 *     certificates open the admin API, which then speaks HTTPS only; empty when it is off
 * @param pekko the full configuration (user file over reference), handed to Pekko and read by
 *     nothing else
 */
public record NodeSettings(
        String nodeName,
        String zone,
        Cluster cluster,
        HostPort admin,
        String adminToken,
        Outbound outbound,
        HostPort inbound,
        String inboundAdvertiseHost,
        Path dataDir,
        List<ServiceSettings> services,
        String identityService,
        TlsSettings tls,
        Proxy proxy,
        Shutdown shutdown,
        boolean authorizationDefaultDeny,
        List<Upstream> upstreams,
        ObservabilitySettings observability,
        List<String> adminClientIdentities,
        Config pekko) {

    public NodeSettings {
        Objects.requireNonNull(nodeName, "nodeName");
        services = List.copyOf(services);
        upstreams = List.copyOf(upstreams);
        adminClientIdentities = List.copyOf(adminClientIdentities);
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(observability, "observability");
        Objects.requireNonNull(tls, "tls");
    }

    /** Mutual TLS on the inbound port, to peers' inbound ports and between cluster members. */
    public boolean tlsEnabled() {
        return tls.enabled();
    }

    public enum Egress {
        ALLOW,
        DENY
    }

    public enum Profile {
        PRODUCTION,
        FAST
    }

    public record Cluster(HostPort address, List<HostPort> seedNodes, Profile profile) {
        public Cluster {
            seedNodes = List.copyOf(seedNodes);
        }
    }

    public record Outbound(HostPort address, Egress egress, String meshSuffix) {}

    public record Proxy(
            int ioThreads,
            Duration connectTimeout,
            Duration idleTimeout,
            int maxInitialLineLength,
            int maxHeaderSize,
            int maxRetryBuffer,
            int maxHeaderCount,
            Duration tunnelIdleTimeout,
            PeerProtocol peerProtocol) {}

    /**
     * How HTTP/1.1 callers' requests cross between sidecars ({@code rhizome.proxy.peer-protocol}):
     * on HTTP/1.1 connections, or as streams of shared HTTP/2 connections (the far side restores
     * HTTP/1.1 toward the instance). HTTP/2 and gRPC callers' streams cross over HTTP/2 either way.
     */
    public enum PeerProtocol {
        HTTP1,
        HTTP2
    }

    /**
     * A local listener for a mesh service this node's app uses ({@code rhizome.upstreams[i]}): each
     * connection to {@code listen} goes to that service, as opaque bytes for a {@code tcp} service
     * and as HTTP naming the service for others.
     */
    public record Upstream(String service, HostPort listen) {}

    public record Shutdown(Duration drainDelay, Duration drainTimeout) {}

    /** host:port at which peers reach this node's inbound listener. */
    public HostPort inboundAdvertised() {
        return new HostPort(inboundAdvertiseHost, inbound.port());
    }

    /** The admin API is protected by a bearer token. The token itself is never printed. */
    public boolean adminTokenSet() {
        return !adminToken.isEmpty();
    }

    @Override
    public String toString() {
        // Keeps the admin token out of logs and error messages.
        return "NodeSettings["
                + nodeName
                + ", cluster="
                + cluster.address()
                + ", admin="
                + admin
                + ", outbound="
                + outbound.address()
                + ", inbound="
                + inbound
                + "]";
    }
}
