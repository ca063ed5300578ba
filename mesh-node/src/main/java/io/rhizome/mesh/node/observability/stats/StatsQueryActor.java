package io.rhizome.mesh.node.observability.stats;

import io.rhizome.mesh.node.serialization.KryoMessage;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Answers peers that ask for this node's windowed figures (node-to-node, Kryo), so that any node
 * can answer {@code meshctl stat} for the whole mesh. Reads the lock-free recorder only.
 */
public final class StatsQueryActor {
    /** Version of the stats messages; a peer answering with another is reported, not merged. */
    /** 2: rows carry bytes, and {@code tcp} rows (connections) exist. */
    public static final int PROTOCOL_VERSION = 2;

    public static final ServiceKey<GetStats> KEY =
            ServiceKey.create(GetStats.class, "rhizome-stats");

    public record GetStats(int protocolVersion, long windowMillis, ActorRef<Stats> replyTo)
            implements KryoMessage {}

    /** {@code rows} is empty when the window was refused (a peer of another build). */
    public record Stats(int protocolVersion, String node, long coveredMillis, StatRow[] rows)
            implements KryoMessage {}

    private StatsQueryActor() {}

    public static Behavior<GetStats> create(String nodeName, StatsRecorder recorder) {
        return Behaviors.setup(
                ctx -> {
                    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
                    return Behaviors.receiveMessage(
                            get -> {
                                Duration window = Duration.ofMillis(get.windowMillis());
                                if (!StatsRecorder.validWindow(window)) {
                                    get.replyTo()
                                            .tell(
                                                    new Stats(
                                                            PROTOCOL_VERSION,
                                                            nodeName,
                                                            0,
                                                            new StatRow[0]));
                                } else {
                                    NodeStats s = recorder.snapshot(window);
                                    get.replyTo()
                                            .tell(
                                                    new Stats(
                                                            PROTOCOL_VERSION,
                                                            nodeName,
                                                            s.coveredMillis(),
                                                            s.rows().toArray(StatRow[]::new)));
                                }
                                return Behaviors.same();
                            });
                });
    }
}
