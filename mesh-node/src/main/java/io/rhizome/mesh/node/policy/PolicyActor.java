package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Resource;
import io.rhizome.mesh.protocol.v1.Version;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing and policy resources in Distributed Data: one {@code LWWMap<name, Resource>} per kind
 * (keys {@code policy-<kind>}, durable in LMDB). Any node accepts a change: it gets a hybrid-clock
 * version, is journaled, and is written to every reachable member at once; when some member does
 * not acknowledge in time the write still stands locally and replicates by gossip (202
 * "replicating"). Concurrent writes of one resource resolve by version, the same on every node.
 */
public final class PolicyActor extends AbstractBehavior<PolicyActor.Command> {

    public static final List<String> KINDS =
            List.of("Authorization", "DestinationPolicy", "RateLimit", "Route");

    public sealed interface Command {}

    /** Validated resources without version; each is created, updated or left unchanged. */
    public record Apply(List<Resource> resources, ActorRef<Outcome> replyTo) implements Command {}

    public record Delete(String kind, String name, ActorRef<Outcome> replyTo) implements Command {}

    public enum ChangeStatus {
        CREATED,
        UPDATED,
        UNCHANGED,
        DELETED,
        NOT_FOUND
    }

    public record Change(String kind, String name, ChangeStatus status, Version version) {}

    /**
     * @param acknowledged every reachable member acknowledged the write in time (false: accepted
     *     locally, still replicating)
     * @param written the versions written, for receipts
     */
    public record Outcome(List<Change> changes, boolean acknowledged, List<Resource> written) {}

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, Resource>> response)
            implements Command {}

    private record Loaded(Replicator.GetResponse<LWWMap<String, Resource>> response)
            implements Command {}

    private record Written(
            Replicator.UpdateResponse<LWWMap<String, Resource>> response, long request)
            implements Command {}

    private record Resubmitted(
            Replicator.UpdateResponse<LWWMap<String, Resource>> response, List<Resource> resources)
            implements Command {}

    private enum RetryTick implements Command {
        INSTANCE
    }

    private static final Logger log = LoggerFactory.getLogger(PolicyActor.class);

    static Key<LWWMap<String, Resource>> keyOf(String kind) {
        return LWWMapKey.create("policy-" + kind.toLowerCase(Locale.ROOT));
    }

    public static Behavior<Command> create(
            String nodeName, PolicyView view, PolicyJournal journal, Duration writeTimeout) {
        return Behaviors.setup(
                ctx ->
                        Behaviors.withTimers(
                                timers ->
                                        DistributedData.withReplicatorMessageAdapter(
                                                (ReplicatorMessageAdapter<
                                                                        Command,
                                                                        LWWMap<String, Resource>>
                                                                replicator) ->
                                                        new PolicyActor(
                                                                ctx,
                                                                timers,
                                                                replicator,
                                                                nodeName,
                                                                view,
                                                                journal,
                                                                writeTimeout))));
    }

    private record PendingWrite(
            ActorRef<Outcome> replyTo,
            List<Change> changes,
            List<Resource> written,
            int[] remaining,
            boolean[] ok) {}

    private final ReplicatorMessageAdapter<Command, LWWMap<String, Resource>> replicator;
    private final String nodeName;
    private final PolicyView view;
    private final PolicyJournal journal;
    private final SelfUniqueAddress self;
    private final HybridClock clock;
    private final Replicator.WriteConsistency writeAll;
    private final Replicator.WriteConsistency writeMajority;
    private final Map<String, Map<String, Resource>> state = new HashMap<>();
    private final Map<String, Boolean> loaded = new HashMap<>();
    private final Map<Long, PendingWrite> pending = new HashMap<>();
    private long nextRequest;

    private PolicyActor(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            ReplicatorMessageAdapter<Command, LWWMap<String, Resource>> replicator,
            String nodeName,
            PolicyView view,
            PolicyJournal journal,
            Duration writeTimeout) {
        super(ctx);
        this.replicator = replicator;
        this.nodeName = nodeName;
        this.view = view;
        this.journal = journal;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.clock = new HybridClock(nodeName, System::currentTimeMillis);
        this.writeAll = new Replicator.WriteAll(writeTimeout);
        this.writeMajority = new Replicator.WriteMajority(writeTimeout);
        for (String kind : KINDS) {
            state.put(kind, new HashMap<>());
            replicator.subscribe(keyOf(kind), Changed::new);
            // The replicator answers once the durable (LMDB) state is loaded.
            replicator.askGet(
                    reply -> new Replicator.Get<>(keyOf(kind), Replicator.readLocal(), reply),
                    Loaded::new);
        }
        timers.startTimerWithFixedDelay(RetryTick.INSTANCE, Duration.ofSeconds(2));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Apply.class, this::onApply)
                .onMessage(Delete.class, this::onDelete)
                .onMessage(Changed.class, this::onChanged)
                .onMessage(Loaded.class, this::onLoaded)
                .onMessage(Written.class, this::onWritten)
                .onMessage(Resubmitted.class, this::onResubmitted)
                .onMessageEquals(RetryTick.INSTANCE, this::onRetryTick)
                .build();
    }

    private Behavior<Command> onApply(Apply apply) {
        List<Change> changes = new ArrayList<>();
        List<Resource> toWrite = new ArrayList<>();
        for (Resource r : apply.resources()) {
            Resource existing = state.get(r.getKind()).get(r.getName());
            boolean live = existing != null && !existing.getDeleted();
            if (live && sameSpec(existing, r)) {
                changes.add(
                        new Change(
                                r.getKind(),
                                r.getName(),
                                ChangeStatus.UNCHANGED,
                                existing.getVersion()));
                continue;
            }
            Resource stamped = stamp(r.toBuilder().setDeleted(false));
            toWrite.add(stamped);
            changes.add(
                    new Change(
                            r.getKind(),
                            r.getName(),
                            live ? ChangeStatus.UPDATED : ChangeStatus.CREATED,
                            stamped.getVersion()));
        }
        write(toWrite, changes, apply.replyTo());
        return this;
    }

    private Behavior<Command> onDelete(Delete delete) {
        Resource existing = state.getOrDefault(delete.kind(), Map.of()).get(delete.name());
        if (existing == null || existing.getDeleted()) {
            delete.replyTo()
                    .tell(
                            new Outcome(
                                    List.of(
                                            new Change(
                                                    delete.kind(),
                                                    delete.name(),
                                                    ChangeStatus.NOT_FOUND,
                                                    null)),
                                    true,
                                    List.of()));
            return this;
        }
        Resource tombstone =
                stamp(
                        Resource.newBuilder()
                                .setKind(delete.kind())
                                .setName(delete.name())
                                .setDeleted(true));
        write(
                List.of(tombstone),
                List.of(
                        new Change(
                                delete.kind(),
                                delete.name(),
                                ChangeStatus.DELETED,
                                tombstone.getVersion())),
                delete.replyTo());
        return this;
    }

    private Resource stamp(Resource.Builder b) {
        long now = System.currentTimeMillis();
        return b.setVersion(clock.next()).setWriter(nodeName).setWrittenAtMillis(now).build();
    }

    private static boolean sameSpec(Resource a, Resource b) {
        return a.toBuilder()
                .clearVersion()
                .clearWriter()
                .clearWrittenAtMillis()
                .build()
                .equals(
                        b.toBuilder()
                                .clearVersion()
                                .clearWriter()
                                .clearWrittenAtMillis()
                                .setDeleted(false)
                                .build());
    }

    private void write(List<Resource> toWrite, List<Change> changes, ActorRef<Outcome> replyTo) {
        if (toWrite.isEmpty()) {
            replyTo.tell(new Outcome(changes, true, List.of()));
            return;
        }
        journal.append(toWrite);
        Map<String, List<Resource>> byKind = new LinkedHashMap<>();
        toWrite.forEach(r -> byKind.computeIfAbsent(r.getKind(), k -> new ArrayList<>()).add(r));
        long id = nextRequest++;
        pending.put(
                id,
                new PendingWrite(
                        replyTo,
                        changes,
                        toWrite,
                        new int[] {byKind.size()},
                        new boolean[] {true}));
        byKind.forEach(
                (kind, resources) -> {
                    applyLocally(kind, resources);
                    replicator.askUpdate(
                            reply ->
                                    new Replicator.Update<>(
                                            keyOf(kind),
                                            LWWMap.empty(),
                                            writeAll,
                                            reply,
                                            current -> putNewer(current, resources)),
                            response -> new Written(response, id));
                });
        publish();
    }

    /**
     * Puts each resource unless the map already holds a newer version of it (re-submits are
     * idempotent).
     */
    private LWWMap<String, Resource> putNewer(
            LWWMap<String, Resource> current, List<Resource> resources) {
        LWWMap<String, Resource> next = current;
        for (Resource r : resources) {
            Resource held = current.getEntries().get(r.getName());
            if (held == null || Versions.isNewer(r.getVersion(), held.getVersion())) {
                long ts = Versions.timestamp(r.getVersion());
                LWWRegister.Clock<Resource> at = (currentTimestamp, value) -> ts;
                next = next.put(self, r.getName(), r, at);
            }
        }
        return next;
    }

    private Behavior<Command> onWritten(Written written) {
        PendingWrite p = pending.get(written.request());
        if (p == null) {
            return this;
        }
        if (!(written.response() instanceof Replicator.UpdateSuccess)) {
            p.ok()[0] = false;
        }
        if (--p.remaining()[0] == 0) {
            pending.remove(written.request());
            if (p.ok()[0]) {
                journal.acknowledged(p.written());
            } else {
                log.info(
                        "policy change accepted locally, replicating: not every member acknowledged in time");
            }
            log.info(
                    "policy applied: {}",
                    p.changes().stream()
                            .map(c -> c.kind() + "/" + c.name() + " " + c.status())
                            .toList());
            p.replyTo().tell(new Outcome(p.changes(), p.ok()[0], p.written()));
        }
        return this;
    }

    /** Journaled writes not yet acknowledged by a majority are written again until they are. */
    private Behavior<Command> onRetryTick() {
        List<Resource> unacknowledged = journal.pending();
        if (unacknowledged.isEmpty() || !pending.isEmpty()) {
            return this;
        }
        Map<String, List<Resource>> byKind = new LinkedHashMap<>();
        unacknowledged.forEach(
                r -> byKind.computeIfAbsent(r.getKind(), k -> new ArrayList<>()).add(r));
        byKind.forEach(
                (kind, resources) -> {
                    resources.forEach(r -> clock.observe(r.getVersion()));
                    applyLocally(kind, resources);
                    replicator.askUpdate(
                            reply ->
                                    new Replicator.Update<>(
                                            keyOf(kind),
                                            LWWMap.empty(),
                                            writeMajority,
                                            reply,
                                            current -> putNewer(current, resources)),
                            response -> new Resubmitted(response, resources));
                });
        publish();
        return this;
    }

    private Behavior<Command> onResubmitted(Resubmitted r) {
        if (r.response() instanceof Replicator.UpdateSuccess) {
            journal.acknowledged(r.resources());
            log.info(
                    "journaled policy writes acknowledged by a majority: {}",
                    r.resources().stream().map(PolicyJournal::key).toList());
        }
        return this;
    }

    private Behavior<Command> onChanged(Changed changed) {
        if (changed.response() instanceof Replicator.Changed<LWWMap<String, Resource>> c) {
            replace(c.key(), c.get(c.key()));
        }
        return this;
    }

    private Behavior<Command> onLoaded(Loaded response) {
        if (response.response()
                instanceof Replicator.GetSuccess<LWWMap<String, Resource>> success) {
            replace(success.key(), success.get(success.key()));
        }
        loaded.put(response.response().key().id(), true);
        publish();
        return this;
    }

    /** Mirrors the replicated map: its LWW winner per name is the same on every converged node. */
    private void replace(Key<?> key, LWWMap<String, Resource> map) {
        String kind = kindOf(key.id());
        if (kind == null) {
            return;
        }
        Map<String, Resource> held = state.get(kind);
        held.clear();
        for (Map.Entry<String, Resource> e : map.getEntries().entrySet()) {
            clock.observe(e.getValue().getVersion());
            held.put(e.getKey(), e.getValue());
        }
        publish();
    }

    private void applyLocally(String kind, List<Resource> resources) {
        Map<String, Resource> held = state.get(kind);
        for (Resource r : resources) {
            Resource mine = held.get(r.getName());
            if (mine == null || Versions.isNewer(r.getVersion(), mine.getVersion())) {
                held.put(r.getName(), r);
            }
        }
    }

    private static String kindOf(String keyId) {
        for (String kind : KINDS) {
            if (keyId.equals("policy-" + kind.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        return null;
    }

    private void publish() {
        PolicySnapshot snapshot = PolicySnapshot.of(state, loaded.size() == KINDS.size());
        if (!snapshot.routes().rejected().isEmpty()
                && !snapshot.routes().rejected().equals(view.current().routes().rejected())) {
            log.warn("routes left out of the request path: {}", snapshot.routes().rejected());
        }
        view.publish(snapshot);
    }
}
