package io.rhizome.mesh.node.discovery;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.util.Map;
import java.util.Objects;

/**
 * One instance of a service as this node sees it: the registry entry joined with the membership of
 * the node that owns it.
 *
 * @param id stable id, {@code node/service}
 * @param local the instance is fronted by this node (requests take the local shortcut)
 * @param reachable this node's failure detector reaches the owning member
 * @param memberStatus the owning member's status in Pekko's words (Up, WeaklyUp, Leaving, ...)
 * @param identity the workload identity (service name) of the owning node; with mTLS its inbound
 *     port must present it. "" when unknown
 * @param protocol how the instance speaks: "http" (also for entries of nodes that predate the
 *     field), "http2" or "tcp"
 */
public record MeshEndpoint(
        String id,
        String service,
        String node,
        HostPort address,
        HostPort inbound,
        Map<String, String> labels,
        EndpointStatus status,
        boolean local,
        boolean reachable,
        String memberStatus,
        String identity,
        String protocol) {

    public static final String TCP = "tcp";

    public MeshEndpoint {
        Objects.requireNonNull(id, "id");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(identity, "identity");
        protocol = protocol == null || protocol.isEmpty() ? "http" : protocol;
    }

    /** An HTTP endpoint. */
    public MeshEndpoint(
            String id,
            String service,
            String node,
            HostPort address,
            HostPort inbound,
            Map<String, String> labels,
            EndpointStatus status,
            boolean local,
            boolean reachable,
            String memberStatus,
            String identity) {
        this(
                id,
                service,
                node,
                address,
                inbound,
                labels,
                status,
                local,
                reachable,
                memberStatus,
                identity,
                "http");
    }

    /**
     * Its connections are opaque bytes: reached through upstream listeners, never as HTTP requests.
     */
    public boolean tcp() {
        return protocol.equals(TCP);
    }

    /** An endpoint whose owner names no identity. */
    public MeshEndpoint(
            String id,
            String service,
            String node,
            HostPort address,
            HostPort inbound,
            Map<String, String> labels,
            EndpointStatus status,
            boolean local,
            boolean reachable,
            String memberStatus) {
        this(
                id,
                service,
                node,
                address,
                inbound,
                labels,
                status,
                local,
                reachable,
                memberStatus,
                "",
                "http");
    }

    /**
     * Why this endpoint takes no new requests by membership and health alone, or "" when it does.
     */
    public String exclusionReason() {
        if (status == EndpointStatus.DRAINING) {
            return "draining";
        }
        if (status != EndpointStatus.SERVING) {
            return "not-serving";
        }
        if (!reachable) {
            return "member-unreachable";
        }
        if (!local
                && !(memberStatus.equals("Up")
                        || memberStatus.equals("WeaklyUp")
                        || memberStatus.equals("Joining"))) {
            return "member-" + memberStatus.toLowerCase(java.util.Locale.ROOT);
        }
        return "";
    }

    /**
     * The address requests are sent to: the service itself when local, else the owner's inbound
     * port.
     */
    public HostPort target() {
        return local ? address : inbound;
    }
}
