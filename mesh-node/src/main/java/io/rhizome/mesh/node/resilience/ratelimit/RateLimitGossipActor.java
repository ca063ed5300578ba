package io.rhizome.mesh.node.resilience.ratelimit;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
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

/**
 * Gossips this node's request rate per global RateLimit and publishes its share of each (see {@link
 * GlobalShares}), once a second, off the request path. The rates live in one replicated {@code
 * LWWMap} (key {@value #KEY_ID}: "limit@node" → "rate|epoch-ms"), written locally and spread by
 * Distributed Data's gossip; entries older than {@link #FRESH} are ignored (their node stopped or
 * left).
 */
public final class RateLimitGossipActor extends AbstractBehavior<RateLimitGossipActor.Command> {

    public sealed interface Command {}

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response)
            implements Command {}

    private record Written(Replicator.UpdateResponse<LWWMap<String, String>> response)
            implements Command {}

    private enum Tick implements Command {
        INSTANCE
    }

    static final String KEY_ID = "ratelimit-rates";
    static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(KEY_ID);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    static final long FRESH = 5_000;

    /** Weight of the newest second in the rate (an EWMA over a few seconds). */
    private static final double ALPHA = 0.5;

    private final ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator;
    private final String nodeName;
    private final Set<String> localServices;
    private final RateLimits limits;
    private final ToIntFunction<String> instances;
    private final LongSupplier clockMillis;
    private final SelfUniqueAddress self;
    private final Map<String, Double> rates = new HashMap<>();
    private LWWMap<String, String> last = LWWMap.empty();
    private long lastTick;

    public static Behavior<Command> create(
            String nodeName,
            Set<String> localServices,
            RateLimits limits,
            ToIntFunction<String> instances,
            LongSupplier clockMillis) {
        return Behaviors.setup(
                ctx ->
                        Behaviors.withTimers(
                                timers -> {
                                    timers.startTimerWithFixedDelay(Tick.INSTANCE, INTERVAL);
                                    return DistributedData.withReplicatorMessageAdapter(
                                            (ReplicatorMessageAdapter<
                                                                    Command, LWWMap<String, String>>
                                                            replicator) ->
                                                    new RateLimitGossipActor(
                                                            ctx,
                                                            replicator,
                                                            nodeName,
                                                            localServices,
                                                            limits,
                                                            instances,
                                                            clockMillis));
                                }));
    }

    private RateLimitGossipActor(
            ActorContext<Command> context,
            ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator,
            String nodeName,
            Set<String> localServices,
            RateLimits limits,
            ToIntFunction<String> instances,
            LongSupplier clockMillis) {
        super(context);
        this.replicator = replicator;
        this.nodeName = nodeName;
        this.localServices = Set.copyOf(localServices);
        this.limits = limits;
        this.instances = instances;
        this.clockMillis = clockMillis;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        this.lastTick = clockMillis.getAsLong();
        replicator.subscribe(KEY, Changed::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Changed.class, this::onChanged)
                .onMessage(Written.class, w -> this)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    private Behavior<Command> onChanged(Changed changed) {
        if (changed.response() instanceof Replicator.Changed<LWWMap<String, String>> c) {
            last = c.get(KEY);
        }
        return this;
    }

    private Behavior<Command> onTick() {
        long now = clockMillis.getAsLong();
        double seconds = Math.max(0.001, (now - lastTick) / 1000.0);
        lastTick = now;
        Map<String, Long> counts = limits.globalShares().drainCounts();
        Map<String, String> global = limits.globalLimits();
        Map<String, String> mine = new HashMap<>();
        for (Map.Entry<String, String> limit : global.entrySet()) {
            if (!localServices.contains(limit.getValue())) {
                continue; // enforced where the instances are
            }
            double sample = counts.getOrDefault(limit.getKey(), 0L) / seconds;
            double rate =
                    rates.containsKey(limit.getKey())
                            ? ALPHA * sample + (1 - ALPHA) * rates.get(limit.getKey())
                            : sample;
            rates.put(limit.getKey(), rate);
            mine.put(limit.getKey() + "@" + nodeName, rate + "|" + now);
        }
        rates.keySet().retainAll(global.keySet());
        if (!mine.isEmpty()) {
            replicator.askUpdate(
                    replyTo ->
                            new Replicator.Update<>(
                                    KEY,
                                    LWWMap.empty(),
                                    Replicator.writeLocal(),
                                    replyTo,
                                    map -> {
                                        LWWMap<String, String> m = map;
                                        for (Map.Entry<String, String> e : mine.entrySet()) {
                                            m = m.put(self, e.getKey(), e.getValue());
                                        }
                                        return m;
                                    }),
                    Written::new);
        }
        limits.globalShares().publish(shares(global, now));
        return this;
    }

    /**
     * This node's share of each global limit of its services, from the fresh rates every node
     * reported.
     */
    private Map<String, Double> shares(Map<String, String> global, long now) {
        Map<String, Double> sum = new HashMap<>();
        Map<String, Integer> reporting = new HashMap<>();
        last.getEntries()
                .forEach(
                        (key, value) -> {
                            int at = key.lastIndexOf('@');
                            int bar = value.indexOf('|');
                            if (at <= 0 || bar <= 0 || key.substring(at + 1).equals(nodeName)) {
                                return;
                            }
                            try {
                                double rate = Double.parseDouble(value.substring(0, bar));
                                long written = Long.parseLong(value.substring(bar + 1));
                                if (now - written <= FRESH) {
                                    String limit = key.substring(0, at);
                                    sum.merge(limit, rate, Double::sum);
                                    reporting.merge(limit, 1, Integer::sum);
                                }
                            } catch (NumberFormatException e) {
                                // another version's form: ignored
                            }
                        });
        Map<String, Double> out = new HashMap<>();
        for (Map.Entry<String, Double> own : rates.entrySet()) {
            String limit = own.getKey();
            int reported = reporting.getOrDefault(limit, 0) + 1;
            int nodes = Math.max(reported, instances.applyAsInt(global.get(limit)));
            // Nodes whose rate has not arrived yet are assumed as busy as this one, not idle.
            double total =
                    own.getValue()
                            + sum.getOrDefault(limit, 0.0)
                            + (nodes - reported) * own.getValue();
            out.put(limit, GlobalShares.share(own.getValue(), total, nodes));
        }
        return out;
    }
}
