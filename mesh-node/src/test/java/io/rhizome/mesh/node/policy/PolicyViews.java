package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Version;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Policy views for data-plane tests: the snapshot a node would publish after applying some
 * resources.
 */
public final class PolicyViews {
    private PolicyViews() {}

    /**
     * A loaded view holding {@code resources}. A resource without a version gets one in list order
     * (oldest first), as if they had been applied one after another.
     */
    public static PolicyView with(List<Resource> resources) {
        PolicyView view = new PolicyView();
        Map<String, Map<String, Resource>> byKind = new HashMap<>();
        long millis = 1_000;
        for (Resource r : resources) {
            Resource stored =
                    r.hasVersion()
                            ? r
                            : r.toBuilder()
                                    .setVersion(
                                            Version.newBuilder()
                                                    .setPhysicalMillis(millis++)
                                                    .setNode("t"))
                                    .build();
            byKind.computeIfAbsent(stored.getKind(), k -> new HashMap<>())
                    .put(stored.getName(), stored);
        }
        PolicySnapshot snapshot = PolicySnapshot.of(byKind, true);
        if (!snapshot.routes().rejected().isEmpty()) {
            throw new IllegalArgumentException("routes rejected: " + snapshot.routes().rejected());
        }
        view.publish(snapshot);
        return view;
    }

    /**
     * A view holding the resources of a HOCON document ({@code resources = [ ... ]} or one
     * resource).
     */
    public static PolicyView fromHocon(String hocon) {
        return with(ResourceCodec.parseHocon(hocon));
    }

    /**
     * Publishes to {@code view} the snapshot of {@code other}, as a node does when the policy
     * changes.
     */
    public static void publish(PolicyView view, PolicyView other) {
        view.publish(other.current());
    }
}
