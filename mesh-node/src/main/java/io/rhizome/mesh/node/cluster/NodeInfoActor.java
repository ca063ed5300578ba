package io.rhizome.mesh.node.cluster;

import io.rhizome.mesh.node.serialization.KryoMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Answers peers that ask for this node's build version and start time (for {@code meshctl
 * members}). Registered with the receptionist under {@link #KEY}; its messages travel as Kryo.
 */
public final class NodeInfoActor {
    /**
     * Version of the node-to-node message protocol; a peer of another version is reported as such.
     */
    public static final int PROTOCOL_VERSION = 1;

    public static final ServiceKey<GetNodeInfo> KEY =
            ServiceKey.create(GetNodeInfo.class, "rhizome-node-info");

    public record GetNodeInfo(int protocolVersion, ActorRef<NodeInfo> replyTo)
            implements KryoMessage {}

    public record NodeInfo(int protocolVersion, String name, String version, long startedAtMillis)
            implements KryoMessage {}

    private NodeInfoActor() {}

    public static Behavior<GetNodeInfo> create(
            String nodeName, String version, long startedAtMillis) {
        return Behaviors.setup(
                ctx -> {
                    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
                    return Behaviors.receiveMessage(
                            request -> {
                                request.replyTo()
                                        .tell(
                                                new NodeInfo(
                                                        PROTOCOL_VERSION,
                                                        nodeName,
                                                        version,
                                                        startedAtMillis));
                                return Behaviors.same();
                            });
                });
    }
}
