package io.rhizome.mesh.node.serialization;

import io.rhizome.mesh.node.cluster.NodeInfoActor;
import java.util.List;

/**
 * The classes Kryo may read and write, with fixed ids. Ids are part of the wire protocol between
 * nodes of different builds: append, never renumber or reuse.
 */
final class KryoRegistrations {
    private KryoRegistrations() {}

    record Registration(Class<?> type, int id) {}

    static final List<Registration> MESSAGES = List.of(
            new Registration(NodeInfoActor.GetNodeInfo.class, 100),
            new Registration(NodeInfoActor.NodeInfo.class, 101));
}
