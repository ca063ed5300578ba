package io.rhizome.mesh.node.serialization;

import io.rhizome.mesh.node.cluster.NodeInfoActor;
import io.rhizome.mesh.node.observability.stats.StatRow;
import io.rhizome.mesh.node.observability.stats.StatsQueryActor;
import io.rhizome.mesh.node.observability.tap.TapActor;
import io.rhizome.mesh.node.observability.tap.TapEvent;
import io.rhizome.mesh.node.policy.PolicyQueryActor;
import java.util.List;

/**
 * The classes Kryo may read and write, with fixed ids. Ids are part of the wire protocol between
 * nodes of different builds: append, never renumber or reuse.
 */
final class KryoRegistrations {
    private KryoRegistrations() {}

    record Registration(Class<?> type, int id) {}

    static final List<Registration> MESSAGES =
            List.of(
                    new Registration(NodeInfoActor.GetNodeInfo.class, 100),
                    new Registration(NodeInfoActor.NodeInfo.class, 101),
                    new Registration(String[].class, 102),
                    new Registration(PolicyQueryActor.GetPolicyState.class, 110),
                    new Registration(PolicyQueryActor.PolicyState.class, 111),
                    new Registration(PolicyQueryActor.HasVersions.class, 112),
                    new Registration(PolicyQueryActor.Holds.class, 113),
                    new Registration(PolicyQueryActor.GetCertificate.class, 114),
                    new Registration(PolicyQueryActor.CertificateState.class, 115),
                    // 200..249: stat, tap and dashboard queries (observability)
                    new Registration(long[].class, 200),
                    new Registration(StatsQueryActor.GetStats.class, 201),
                    new Registration(StatsQueryActor.Stats.class, 202),
                    new Registration(StatRow.class, 203),
                    new Registration(StatRow[].class, 204),
                    new Registration(TapActor.Subscribe.class, 210),
                    new Registration(TapActor.Unsubscribe.class, 211),
                    new Registration(TapActor.Subscribed.class, 212),
                    new Registration(TapActor.Batch.class, 213),
                    new Registration(TapEvent.class, 214),
                    new Registration(TapEvent[].class, 215),
                    new Registration(PolicyQueryActor.GetVersions.class, 220),
                    new Registration(PolicyQueryActor.HeldVersions.class, 221));
}
