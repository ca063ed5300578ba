package io.rhizome.mesh.node.observability.tap;

import io.rhizome.mesh.node.serialization.KryoMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Serves taps on this node for any node that asks (node-to-node, Kryo): {@link Subscribe} opens a
 * tap in the {@link TapHub}, buffered events go to the tapping node's sink every {@link
 * #FLUSH_INTERVAL}, and the tap closes on {@link Unsubscribe} or when the sink stops (death watch:
 * the tapping node ended the stream, crashed or left). The flush timer runs only while a tap is
 * open.
 */
public final class TapActor extends AbstractBehavior<TapActor.Command> {
    public static final int PROTOCOL_VERSION =
            3; // 2: Subscribe.includeHeaders, TapEvent.headers; 3: TapEvent.grpcStatus
    static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

    /** Events per message to the sink. */
    static final int BATCH = 256;

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "rhizome-tap");

    public sealed interface Command {}

    /**
     * Opens tap {@code tapId}; answers {@code replyTo} whether it did. {@code includeHeaders}:
     * events carry header values.
     */
    public record Subscribe(
            int protocolVersion,
            String tapId,
            String service,
            String pathPrefix,
            String method,
            String direction,
            boolean includeHeaders,
            ActorRef<Batch> sink,
            ActorRef<Subscribed> replyTo)
            implements Command, KryoMessage {}

    public record Unsubscribe(int protocolVersion, String tapId) implements Command, KryoMessage {}

    /** {@code reason} is {@code ""} when the tap is open. */
    public record Subscribed(int protocolVersion, String node, boolean ok, String reason)
            implements KryoMessage {}

    /**
     * Events of one node for one tap; {@code dropped}: events lost to a full buffer since the last
     * batch.
     */
    public record Batch(
            int protocolVersion, String tapId, String node, TapEvent[] events, long dropped)
            implements KryoMessage {}

    private enum Flush implements Command {
        INSTANCE
    }

    private record SinkGone(String tapId) implements Command {}

    private final TapHub hub;
    private final TimerScheduler<Command> timers;
    private final Map<String, ActorRef<Batch>> sinks = new HashMap<>();

    private TapActor(ActorContext<Command> ctx, TapHub hub, TimerScheduler<Command> timers) {
        super(ctx);
        this.hub = hub;
        this.timers = timers;
        ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
    }

    public static Behavior<Command> create(TapHub hub) {
        return Behaviors.setup(
                ctx -> Behaviors.withTimers(timers -> new TapActor(ctx, hub, timers)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(Unsubscribe.class, u -> close(u.tapId()))
                .onMessage(SinkGone.class, g -> close(g.tapId()))
                .onMessageEquals(Flush.INSTANCE, this::onFlush)
                .onSignal(
                        org.apache.pekko.actor.typed.PostStop.class,
                        s -> {
                            sinks.keySet().forEach(hub::close);
                            return this;
                        })
                .build();
    }

    private Behavior<Command> onSubscribe(Subscribe s) {
        if (s.protocolVersion() != PROTOCOL_VERSION) {
            s.replyTo()
                    .tell(
                            new Subscribed(
                                    PROTOCOL_VERSION,
                                    hub.nodeName(),
                                    false,
                                    "tap protocol "
                                            + s.protocolVersion()
                                            + " (expected: "
                                            + PROTOCOL_VERSION
                                            + ")"));
            return this;
        }
        TapFilter filter =
                new TapFilter(
                        s.service(), s.pathPrefix(), s.method(), s.direction(), s.includeHeaders());
        if (hub.open(s.tapId(), filter).isEmpty()) {
            s.replyTo()
                    .tell(
                            new Subscribed(
                                    PROTOCOL_VERSION,
                                    hub.nodeName(),
                                    false,
                                    "this node already serves " + TapHub.MAX_TAPS + " taps"));
            return this;
        }
        if (!sinks.containsKey(s.tapId())) {
            sinks.put(s.tapId(), s.sink());
            getContext().watchWith(s.sink(), new SinkGone(s.tapId()));
        }
        if (!timers.isTimerActive(Flush.INSTANCE)) {
            timers.startTimerWithFixedDelay(Flush.INSTANCE, FLUSH_INTERVAL);
        }
        s.replyTo().tell(new Subscribed(PROTOCOL_VERSION, hub.nodeName(), true, ""));
        return this;
    }

    private Behavior<Command> close(String tapId) {
        ActorRef<Batch> sink = sinks.remove(tapId);
        if (sink != null) {
            getContext().unwatch(sink);
        }
        hub.close(tapId);
        if (sinks.isEmpty()) {
            timers.cancel(Flush.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onFlush() {
        for (TapHub.Tap tap : hub.all()) {
            ActorRef<Batch> sink = sinks.get(tap.id);
            if (sink == null) {
                continue;
            }
            long dropped = tap.dropped.getAndSet(0);
            List<TapEvent> events = tap.drain(BATCH);
            if (!events.isEmpty() || dropped > 0) {
                sink.tell(
                        new Batch(
                                PROTOCOL_VERSION,
                                tap.id,
                                hub.nodeName(),
                                events.toArray(TapEvent[]::new),
                                dropped));
            }
        }
        return this;
    }
}
