package io.rhizome.mesh.node.discovery;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable view of the mesh that the data plane reads without asking an actor: the endpoints of
 * every service and the members, as of one moment.
 */
public record MeshSnapshot(Map<String, List<MeshEndpoint>> services, List<MemberView> members) {

    public static final MeshSnapshot EMPTY = new MeshSnapshot(Map.of(), List.of());

    public MeshSnapshot {
        TreeMap<String, List<MeshEndpoint>> copy = new TreeMap<>();
        services.forEach(
                (k, v) ->
                        copy.put(
                                k,
                                v.stream()
                                        .sorted(java.util.Comparator.comparing(MeshEndpoint::id))
                                        .toList()));
        services = java.util.Collections.unmodifiableMap(copy);
        members = List.copyOf(members);
    }

    /** The endpoints of {@code service}, or an empty list when the mesh has no such service. */
    public List<MeshEndpoint> endpoints(String service) {
        return services.getOrDefault(service, List.of());
    }

    public boolean hasService(String service) {
        return services.containsKey(service);
    }
}
