package io.rhizome.mesh.node.discovery;

import io.rhizome.mesh.node.cluster.MemberNames;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.protocol.v1.Endpoint;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service registry. Writes this node's own endpoints into its key {@code registry-<node>} (only
 * the owner writes it), subscribes to the keys of every live member, and publishes the merged view
 * joined with membership and reachability to {@link MeshView}.
 *
 * <p>Entries carry the owning member's incarnation (address and uid): entries of an incarnation
 * that is no longer a member are ignored at once, so a removed or restarted node's old entries
 * never route.
 */
public final class RegistryActor extends AbstractBehavior<RegistryActor.Command> {

    public sealed interface Command {}

    /**
     * Sets the health of one local service ("" = all); DRAINING wins over any later health result.
     */
    public record SetLocalStatus(String service, EndpointStatus status, ActorRef<Done> replyTo)
            implements Command {}

    private record MembershipEvent(ClusterEvent.ClusterDomainEvent event) implements Command {}

    private record RegistryChanged(Replicator.SubscribeResponse<LWWMap<String, Endpoint>> response)
            implements Command {}

    private record WriteDone(
            Replicator.UpdateResponse<LWWMap<String, Endpoint>> response, ActorRef<Done> replyTo)
            implements Command {}

    private static final Logger log = LoggerFactory.getLogger(RegistryActor.class);
    private static final Replicator.WriteConsistency WRITE_LOCAL = Replicator.writeLocal();

    /** Status changes are pushed to every reachable member at once, not left to gossip. */
    private static final Replicator.WriteConsistency WRITE_ALL =
            new Replicator.WriteAll(Duration.ofSeconds(2));

    public static Behavior<Command> create(
            NodeSettings settings, MeshView view, Map<String, EndpointStatus> initialHealth) {
        return Behaviors.setup(
                ctx ->
                        DistributedData.withReplicatorMessageAdapter(
                                (ReplicatorMessageAdapter<Command, LWWMap<String, Endpoint>>
                                                replicator) ->
                                        new RegistryActor(
                                                ctx, replicator, settings, view, initialHealth)));
    }

    static Key<LWWMap<String, Endpoint>> keyOf(String nodeName) {
        return LWWMapKey.create("registry-" + nodeName);
    }

    private final ReplicatorMessageAdapter<Command, LWWMap<String, Endpoint>> replicator;
    private final NodeSettings settings;
    private final MeshView view;
    private final SelfUniqueAddress selfNode;
    private final Cluster cluster;
    private final Map<String, EndpointStatus> health = new HashMap<>();
    private boolean draining;
    private final Map<UniqueAddress, Member> members = new HashMap<>();
    private final Set<UniqueAddress> unreachable = new HashSet<>();
    private final Map<String, LWWMap<String, Endpoint>> registries = new HashMap<>();
    private final Set<String> subscribed = new HashSet<>();

    private RegistryActor(
            ActorContext<Command> context,
            ReplicatorMessageAdapter<Command, LWWMap<String, Endpoint>> replicator,
            NodeSettings settings,
            MeshView view,
            Map<String, EndpointStatus> initialHealth) {
        super(context);
        this.replicator = replicator;
        this.settings = settings;
        this.view = view;
        this.selfNode = DistributedData.get(context.getSystem()).selfUniqueAddress();
        this.cluster = Cluster.get(context.getSystem());
        for (ServiceSettings s : settings.services()) {
            health.put(s.name(), initialHealth.getOrDefault(s.name(), EndpointStatus.SERVING));
        }
        cluster.subscriptions()
                .tell(
                        Subscribe.create(
                                context.messageAdapter(
                                        ClusterEvent.MemberEvent.class, MembershipEvent::new),
                                ClusterEvent.MemberEvent.class));
        cluster.subscriptions()
                .tell(
                        Subscribe.create(
                                context.messageAdapter(
                                        ClusterEvent.ReachabilityEvent.class, MembershipEvent::new),
                                ClusterEvent.ReachabilityEvent.class));
        subscribe(settings.nodeName());
        writeLocal(WRITE_LOCAL, null);
        publish();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SetLocalStatus.class, this::onSetLocalStatus)
                .onMessage(MembershipEvent.class, this::onMembershipEvent)
                .onMessage(RegistryChanged.class, this::onRegistryChanged)
                .onMessage(WriteDone.class, this::onWriteDone)
                .build();
    }

    private Behavior<Command> onSetLocalStatus(SetLocalStatus command) {
        if (command.status() == EndpointStatus.DRAINING) {
            draining = true;
        } else if (command.service().isEmpty()) {
            health.replaceAll((k, v) -> command.status());
        } else {
            health.put(command.service(), command.status());
        }
        log.info(
                "local endpoints {} now {}",
                command.service().isEmpty() ? "(all)" : command.service(),
                draining ? EndpointStatus.DRAINING : command.status());
        writeLocal(WRITE_ALL, command.replyTo());
        publish();
        return this;
    }

    private Behavior<Command> onMembershipEvent(MembershipEvent wrapped) {
        ClusterEvent.ClusterDomainEvent event = wrapped.event();
        if (event instanceof ClusterEvent.MemberRemoved removed) {
            Member m = removed.member();
            members.remove(m.uniqueAddress());
            unreachable.remove(m.uniqueAddress());
            String name = MemberNames.nameOf(m);
            boolean stillMember =
                    members.values().stream().anyMatch(o -> MemberNames.nameOf(o).equals(name));
            if (!stillMember && !name.equals(settings.nodeName()) && subscribed.remove(name)) {
                replicator.unsubscribe(keyOf(name));
                registries.remove(name);
            }
            log.info("member removed: {} ({})", name, MemberNames.hostPort(m.address()));
        } else if (event instanceof ClusterEvent.MemberEvent memberEvent) {
            Member m = memberEvent.member();
            Member previous = members.put(m.uniqueAddress(), m);
            subscribe(MemberNames.nameOf(m));
            if (previous == null || previous.status() != m.status()) {
                log.info(
                        "member {} ({}) is {}",
                        MemberNames.nameOf(m),
                        MemberNames.hostPort(m.address()),
                        m.status());
            }
        } else if (event instanceof ClusterEvent.UnreachableMember u) {
            unreachable.add(u.member().uniqueAddress());
            log.info("member unreachable: {}", MemberNames.nameOf(u.member()));
        } else if (event instanceof ClusterEvent.ReachableMember r) {
            unreachable.remove(r.member().uniqueAddress());
            log.info("member reachable again: {}", MemberNames.nameOf(r.member()));
        }
        publish();
        return this;
    }

    private Behavior<Command> onRegistryChanged(RegistryChanged wrapped) {
        if (wrapped.response() instanceof Replicator.Changed<LWWMap<String, Endpoint>> changed) {
            String id = changed.key().id();
            registries.put(id.substring("registry-".length()), changed.get(changed.key()));
            publish();
        }
        return this;
    }

    private Behavior<Command> onWriteDone(WriteDone done) {
        if (!(done.response() instanceof Replicator.UpdateSuccess)) {
            // A timeout means some member did not acknowledge in time; the local write stands and
            // gossip carries it on.
            log.debug("registry write not acknowledged by all members: {}", done.response());
        }
        if (done.replyTo() != null) {
            done.replyTo().tell(Done.getInstance());
        }
        return this;
    }

    private void subscribe(String nodeName) {
        if (subscribed.add(nodeName)) {
            replicator.subscribe(keyOf(nodeName), RegistryChanged::new);
        }
    }

    private List<Endpoint> localEndpoints() {
        List<Endpoint> out = new ArrayList<>();
        UniqueAddress self = selfNode.uniqueAddress();
        for (ServiceSettings s : settings.services()) {
            out.add(
                    Endpoint.newBuilder()
                            .setService(s.name())
                            .setNode(settings.nodeName())
                            .setAddress(s.address().toString())
                            .setInbound(settings.inboundAdvertised().toString())
                            .setIdentity(settings.identityService())
                            .setProtocol(
                                    s.protocol() == ServiceSettings.Protocol.HTTP
                                            ? ""
                                            : s.protocol()
                                                    .name()
                                                    .toLowerCase(java.util.Locale.ROOT))
                            .putAllLabels(s.labels())
                            .setStatus(draining ? EndpointStatus.DRAINING : health.get(s.name()))
                            .setMemberAddress(self.address().toString())
                            .setMemberUid(self.longUid())
                            .setUpdatedAtMillis(System.currentTimeMillis())
                            .build());
        }
        return out;
    }

    private void writeLocal(Replicator.WriteConsistency consistency, ActorRef<Done> replyTo) {
        List<Endpoint> endpoints = localEndpoints();
        replicator.askUpdate(
                reply ->
                        new Replicator.Update<>(
                                keyOf(settings.nodeName()),
                                LWWMap.empty(),
                                consistency,
                                reply,
                                current -> {
                                    LWWMap<String, Endpoint> next = current;
                                    Set<String> ids = new HashSet<>();
                                    for (Endpoint e : endpoints) {
                                        String id = e.getNode() + "/" + e.getService();
                                        ids.add(id);
                                        next = next.put(selfNode, id, e);
                                    }
                                    // Services dropped from the config since a previous incarnation
                                    // leave the registry.
                                    for (String stale : current.getEntries().keySet()) {
                                        if (!ids.contains(stale)) {
                                            next = next.remove(selfNode, stale);
                                        }
                                    }
                                    return next;
                                }),
                response -> new WriteDone(response, replyTo));
    }

    private void publish() {
        UniqueAddress self = selfNode.uniqueAddress();
        Map<String, List<MeshEndpoint>> services = new LinkedHashMap<>();
        // Own endpoints route even before this node is a member (the local shortcut needs no
        // cluster).
        for (Endpoint e : localEndpoints()) {
            services.computeIfAbsent(e.getService(), k -> new ArrayList<>())
                    .add(toView(e, true, true, "Up"));
        }
        for (Member m : members.values()) {
            if (m.uniqueAddress().equals(self)
                    || m.status() == MemberStatus.down()
                    || m.status() == MemberStatus.removed()) {
                continue;
            }
            LWWMap<String, Endpoint> registry = registries.get(MemberNames.nameOf(m));
            if (registry == null) {
                continue;
            }
            for (Endpoint e : registry.getEntries().values()) {
                if (e.getMemberUid() != m.uniqueAddress().longUid()
                        || !e.getMemberAddress().equals(m.address().toString())) {
                    continue; // an older incarnation's entry
                }
                services.computeIfAbsent(e.getService(), k -> new ArrayList<>())
                        .add(
                                toView(
                                        e,
                                        false,
                                        !unreachable.contains(m.uniqueAddress()),
                                        m.status().toString()));
            }
        }
        List<MemberView> memberViews = new ArrayList<>();
        for (Member m : members.values()) {
            memberViews.add(
                    new MemberView(
                            MemberNames.nameOf(m),
                            MemberNames.hostPort(m.address()),
                            m.status().toString(),
                            !unreachable.contains(m.uniqueAddress()),
                            m.appVersion().toString(),
                            m.uniqueAddress().equals(self)));
        }
        memberViews.sort(java.util.Comparator.comparing(MemberView::name));
        view.publish(new MeshSnapshot(services, memberViews));
    }

    private static MeshEndpoint toView(
            Endpoint e, boolean local, boolean reachable, String memberStatus) {
        return new MeshEndpoint(
                e.getNode() + "/" + e.getService(),
                e.getService(),
                e.getNode(),
                HostPort.parse("endpoint.address", e.getAddress()),
                HostPort.parse("endpoint.inbound", e.getInbound()),
                e.getLabelsMap(),
                e.getStatus(),
                local,
                reachable,
                memberStatus,
                e.getIdentity(),
                e.getProtocol());
    }
}
