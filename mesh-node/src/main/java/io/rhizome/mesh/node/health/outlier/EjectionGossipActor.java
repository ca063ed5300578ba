package io.rhizome.mesh.node.health.outlier;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares this node's outlier ejections with every node, off the request path: an ejection is
 * written to one replicated {@code LWWMap} (key {@value #KEY_ID}: endpoint id →
 * "until-epoch-ms|ejector") pushed to every reachable member at once ({@code WriteAll}, falling
 * back to gossip when one does not answer in time); every node publishes the entries other nodes
 * wrote into its {@link SharedEjections}, which the data plane reads. Each node removes its own
 * expired entries. Transient (not durable): after a restart, outlier detection starts afresh.
 */
public final class EjectionGossipActor extends AbstractBehavior<EjectionGossipActor.Command> {

    public sealed interface Command {}

    /** This node ejected {@code endpointId} until {@code untilMillis} (epoch ms). */
    public record Ejected(String endpointId, long untilMillis) implements Command {}

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response)
            implements Command {}

    private record Written(Replicator.UpdateResponse<LWWMap<String, String>> response)
            implements Command {}

    private enum Tick implements Command {
        INSTANCE
    }

    static final String KEY_ID = "outlier-ejections";
    static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(KEY_ID);
    private static final Logger log = LoggerFactory.getLogger(EjectionGossipActor.class);
    private static final Replicator.WriteConsistency WRITE_ALL =
            new Replicator.WriteAll(Duration.ofSeconds(1));
    private static final Duration CLEANUP = Duration.ofSeconds(5);

    private final ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator;
    private final String nodeName;
    private final SharedEjections shared;
    private final LongSupplier clockMillis;
    private final SelfUniqueAddress self;
    private LWWMap<String, String> last = LWWMap.empty();

    public static Behavior<Command> create(
            String nodeName, SharedEjections shared, LongSupplier clockMillis) {
        return Behaviors.setup(
                ctx ->
                        Behaviors.withTimers(
                                timers -> {
                                    timers.startTimerWithFixedDelay(Tick.INSTANCE, CLEANUP);
                                    return DistributedData.withReplicatorMessageAdapter(
                                            (ReplicatorMessageAdapter<
                                                                    Command, LWWMap<String, String>>
                                                            replicator) ->
                                                    new EjectionGossipActor(
                                                            ctx,
                                                            replicator,
                                                            nodeName,
                                                            shared,
                                                            clockMillis));
                                }));
    }

    private EjectionGossipActor(
            ActorContext<Command> context,
            ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator,
            String nodeName,
            SharedEjections shared,
            LongSupplier clockMillis) {
        super(context);
        this.replicator = replicator;
        this.nodeName = nodeName;
        this.shared = shared;
        this.clockMillis = clockMillis;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        replicator.subscribe(KEY, Changed::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Ejected.class, this::onEjected)
                .onMessage(Changed.class, this::onChanged)
                .onMessage(Written.class, this::onWritten)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    private Behavior<Command> onEjected(Ejected e) {
        String value = e.untilMillis() + "|" + nodeName;
        replicator.askUpdate(
                replyTo ->
                        new Replicator.Update<>(
                                KEY,
                                LWWMap.empty(),
                                WRITE_ALL,
                                replyTo,
                                map -> map.put(self, e.endpointId(), value)),
                Written::new);
        return this;
    }

    private Behavior<Command> onChanged(Changed changed) {
        if (changed.response() instanceof Replicator.Changed<LWWMap<String, String>> c) {
            last = c.get(KEY);
            publish();
        }
        return this;
    }

    private Behavior<Command> onWritten(Written written) {
        if (!(written.response() instanceof Replicator.UpdateSuccess)) {
            // Not every member answered in time: the local write stands and gossip carries it.
            log.debug("ejection write: {}", written.response());
        }
        return this;
    }

    /**
     * Drops this node's expired entries and re-reads the snapshot (ejections end by the clock
     * anyway).
     */
    private Behavior<Command> onTick() {
        long now = clockMillis.getAsLong();
        java.util.List<String> expired = new java.util.ArrayList<>();
        last.getEntries()
                .forEach(
                        (id, value) -> {
                            Entry entry = Entry.parse(value);
                            if (entry != null
                                    && entry.ejector().equals(nodeName)
                                    && entry.untilMillis() <= now) {
                                expired.add(id);
                            }
                        });
        if (!expired.isEmpty()) {
            replicator.askUpdate(
                    replyTo ->
                            new Replicator.Update<>(
                                    KEY,
                                    LWWMap.empty(),
                                    Replicator.writeLocal(),
                                    replyTo,
                                    map -> {
                                        LWWMap<String, String> m = map;
                                        for (String id : expired) {
                                            m = m.remove(self, id);
                                        }
                                        return m;
                                    }),
                    Written::new);
        }
        publish();
        return this;
    }

    private void publish() {
        long now = clockMillis.getAsLong();
        Map<String, Long> others = new HashMap<>();
        last.getEntries()
                .forEach(
                        (id, value) -> {
                            Entry entry = Entry.parse(value);
                            // Our own ejections live in the tracker already, with their failure
                            // counts.
                            if (entry != null
                                    && !entry.ejector().equals(nodeName)
                                    && entry.untilMillis() > now) {
                                others.put(id, entry.untilMillis());
                            }
                        });
        if (!others.equals(shared.current())) {
            shared.publish(others);
        }
    }

    /** One replicated value: "until-epoch-ms|ejector-node". */
    record Entry(long untilMillis, String ejector) {
        static Entry parse(String value) {
            int bar = value.indexOf('|');
            if (bar <= 0) {
                return null;
            }
            try {
                return new Entry(Long.parseLong(value.substring(0, bar)), value.substring(bar + 1));
            } catch (NumberFormatException e) {
                return null; // written by a newer version in another form: ignored
            }
        }
    }
}
