package io.rhizome.mesh.node.cluster;

import io.rhizome.mesh.node.admin.AdminServer;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.discovery.RegistryActor;
import io.rhizome.mesh.node.health.outlier.EjectionGossipActor;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.metrics.NodeMetrics;
import io.rhizome.mesh.node.observability.stats.StatsQueryActor;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import io.rhizome.mesh.node.observability.tap.TapActor;
import io.rhizome.mesh.node.observability.tap.TapHub;
import io.rhizome.mesh.node.policy.PolicyActor;
import io.rhizome.mesh.node.policy.PolicyJournal;
import io.rhizome.mesh.node.policy.PolicyQueryActor;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.BindFailure;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimitGossipActor;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.security.tls.ClusterSslEngineProvider;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import io.rhizome.mesh.protocol.v1.ReadyResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-facing side of a node: its ActorSystem (membership, Distributed Data, node-to-node
 * messages) and the admin API served from it. When the Split Brain Resolver downs this node, the
 * system terminates and is recreated in process as a new incarnation that rejoins; the data plane
 * keeps routing with its last snapshot meanwhile (architecture.md §4).
 */
public final class ControlPlane {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    /** How long a policy write waits for every member's acknowledgement before answering 202. */
    static final Duration POLICY_WRITE_TIMEOUT = Duration.ofMillis(1500);

    /** Written to data-dir once this node has been a cluster member. */
    static final String MEMBER_MARKER = "cluster-member";

    private final NodeSettings settings;
    private final MeshView view;
    private final EndpointSelector selector;
    private final String version;
    private final long startedAtMillis;
    private final Supplier<Map<String, EndpointStatus>> health;
    private final BooleanSupplier listenersBound;
    private final PolicyView policy;
    private final PolicyJournal journal;
    private final NodeMetrics metrics;
    private final StatsRecorder stats;
    private final TapHub taps;
    private final MeshTls tls;
    private volatile ActorRef<PolicyActor.Command> policyActor;
    private volatile ActorRef<EjectionGossipActor.Command> ejectionGossip;
    private volatile RateLimits rateLimits;
    private volatile ActorSystem<Void> system;
    private volatile ActorRef<RegistryActor.Command> registry;
    private volatile ServerBinding admin;
    private volatile boolean stopping;
    private volatile boolean draining;

    public ControlPlane(
            NodeSettings settings,
            MeshView view,
            EndpointSelector selector,
            String version,
            long startedAtMillis,
            Supplier<Map<String, EndpointStatus>> health,
            BooleanSupplier listenersBound,
            PolicyView policy,
            PolicyJournal journal,
            StatsRecorder stats,
            TapHub taps,
            NodeMetrics metrics,
            MeshTls tls) {
        this.metrics = metrics;
        this.tls = tls;
        this.settings = settings;
        this.view = view;
        this.selector = selector;
        // Ejections are shared with the other nodes by the current incarnation's gossip actor (a
        // tell).
        selector.ejections()
                .onEjection(
                        (endpointId, millis) -> {
                            ActorRef<EjectionGossipActor.Command> gossip = ejectionGossip;
                            if (gossip != null) {
                                gossip.tell(
                                        new EjectionGossipActor.Ejected(
                                                endpointId, System.currentTimeMillis() + millis));
                            }
                        });
        this.version = version;
        this.startedAtMillis = startedAtMillis;
        this.health = health;
        this.listenersBound = listenersBound;
        this.policy = policy;
        this.journal = journal;
        this.stats = stats;
        this.taps = taps;
    }

    /**
     * The data plane's RateLimits, whose global limits this control plane gossips (call before
     * {@link #start()}).
     */
    public void shareRateLimits(RateLimits limits) {
        this.rateLimits = limits;
    }

    /** Creates the ActorSystem (binding the cluster port) and binds the admin API. */
    public void start() {
        ActorSystem<Void> sys;
        try {
            sys =
                    ActorSystem.create(
                            Behaviors.empty(),
                            ClusterConfig.SYSTEM_NAME,
                            ClusterSslEngineProvider.withProvider(
                                    ActorSystemSetup.create(
                                            BootstrapSetup.create(
                                                    ClusterConfig.pekkoConfig(settings, version))),
                                    tls));
        } catch (RuntimeException e) {
            throw new BindFailure(
                    "rhizome.cluster.port", settings.cluster().address().toString(), rootCause(e));
        }
        system = sys;
        // The join's round trips to the seed nodes overlap the rest of the start (the system
        // actors,
        // the admin API's binding; start-up, bench/performance-notes.md); readiness still needs all
        // of it.
        joinSeedNodes(sys);
        registry =
                sys.systemActorOf(
                        RegistryActor.create(settings, view, health.get()),
                        "registry",
                        Props.empty());
        if (draining) {
            registry.tell(
                    new RegistryActor.SetLocalStatus("", EndpointStatus.DRAINING, sys.ignoreRef()));
        }
        sys.systemActorOf(
                NodeInfoActor.create(settings.nodeName(), version, startedAtMillis),
                "node-info",
                Props.empty());
        RateLimits limits = rateLimits;
        if (limits != null) {
            sys.systemActorOf(
                    RateLimitGossipActor.create(
                            settings.nodeName(),
                            settings.services().stream()
                                    .map(s -> s.name())
                                    .collect(java.util.stream.Collectors.toSet()),
                            limits,
                            service -> view.current().endpoints(service).size(),
                            System::currentTimeMillis),
                    "ratelimit-gossip",
                    Props.empty());
        }
        ejectionGossip =
                sys.systemActorOf(
                        EjectionGossipActor.create(
                                settings.nodeName(),
                                selector.ejections().shared(),
                                System::currentTimeMillis),
                        "ejection-gossip",
                        Props.empty());
        policyActor =
                sys.systemActorOf(
                        PolicyActor.create(
                                settings.nodeName(), policy, journal, POLICY_WRITE_TIMEOUT),
                        "policy",
                        Props.empty());
        sys.systemActorOf(
                PolicyQueryActor.create(settings.nodeName(), policy, () -> certificate(tls)),
                "policy-query",
                Props.empty());
        sys.systemActorOf(
                StatsQueryActor.create(settings.nodeName(), stats), "stats-query", Props.empty());
        sys.systemActorOf(TapActor.create(taps), "tap", Props.empty());
        AdminServer server =
                new AdminServer(
                        new AdminServer.Parts(
                                sys,
                                view,
                                selector,
                                this::readiness,
                                policy,
                                policyActor,
                                metrics,
                                tls,
                                taps),
                        settings.admin(),
                        settings.adminToken(),
                        settings.adminClientIdentities());
        try {
            admin = server.bind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            leaveAfterFailedStart(sys); // it has begun to join
            throw new BindFailure("rhizome.admin.port", settings.admin().toString(), rootCause(e));
        }
        log.info(
                "node {} started (version {}): cluster {}, admin {}, seeds {}",
                settings.nodeName(),
                version,
                settings.cluster().address(),
                (settings.adminClientIdentities().isEmpty() ? "http://" : "https://")
                        + settings.admin(),
                settings.cluster().seedNodes());
        sys.scheduler()
                .scheduleAtFixedRate(
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5),
                        () -> warnIfNotMember(sys),
                        sys.executionContext());
        sys.getWhenTerminated().thenRun(() -> onTerminated(sys));
    }

    /**
     * Joins the configured seed nodes. Pekko lets the first seed form a new cluster when no other
     * seed answers within seed-node-timeout; a first seed that was a member before (it left a
     * marker in data-dir) would then form an island beside the running cluster. So such a node
     * first tries only the other seeds, and forms a cluster itself only if none answers for a while
     * (the whole mesh was restarted).
     */
    private void joinSeedNodes(ActorSystem<Void> sys) {
        org.apache.pekko.cluster.Cluster cluster =
                org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(sys));
        Path marker = settings.dataDir().resolve(MEMBER_MARKER);
        cluster.registerOnMemberUp(
                () -> {
                    try {
                        Files.writeString(marker, cluster.selfAddress().toString() + "\n");
                    } catch (IOException e) {
                        log.warn("cannot write {}: {}", marker, e.getMessage());
                    }
                });
        List<Address> seeds =
                settings.cluster().seedNodes().stream()
                        .map(s -> AddressFromURIString.parse(ClusterConfig.seedAddress(s)))
                        .toList();
        if (seeds.isEmpty()) {
            return; // waits to be joined by others
        }
        Address self = cluster.selfAddress();
        List<Address> others = seeds.stream().filter(a -> !a.equals(self)).toList();
        if (!seeds.get(0).equals(self) || others.isEmpty() || !Files.exists(marker)) {
            cluster.joinSeedNodes(seeds);
            return;
        }
        Duration grace =
                sys.settings()
                        .config()
                        .getDuration("pekko.cluster.seed-node-timeout")
                        .multipliedBy(5);
        log.info(
                "rejoining through the other seed nodes {} (forming a cluster alone only if none answers within {})",
                others,
                grace);
        cluster.joinSeedNodes(others);
        sys.scheduler()
                .scheduleOnce(
                        grace,
                        () -> {
                            MemberStatus s = cluster.selfMember().status();
                            if (!stopping
                                    && s != MemberStatus.up()
                                    && s != MemberStatus.weaklyUp()
                                    && s != MemberStatus.joining()) {
                                log.warn(
                                        "no other seed node answered within {}; forming the cluster from this node",
                                        grace);
                                cluster.joinSeedNodes(seeds);
                            }
                        },
                        sys.executionContext());
    }

    /** Leaves the cluster it may have begun to join (bounded) and terminates the system. */
    private static void leaveAfterFailedStart(ActorSystem<Void> sys) {
        try {
            CoordinatedShutdown.get(sys)
                    .runAll(CoordinatedShutdown.unknownReason())
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            sys.terminate();
        }
    }

    private void warnIfNotMember(ActorSystem<Void> sys) {
        MemberStatus s = Cluster.get(sys).selfMember().status();
        if (!stopping && s != MemberStatus.up() && s != MemberStatus.weaklyUp()) {
            log.warn(
                    "not a cluster member yet (status {}): still trying seed nodes {}; /readyz answers 503 until then",
                    s,
                    settings.cluster().seedNodes());
        }
    }

    private void onTerminated(ActorSystem<Void> old) {
        if (stopping || draining || old != system) {
            return;
        }
        log.warn(
                "cluster membership ended (downed or removed); routing continues with the last snapshot, rejoining as a new incarnation");
        Thread t =
                new Thread(
                        () -> {
                            while (!stopping) {
                                try {
                                    Thread.sleep(1000);
                                    start();
                                    return;
                                } catch (InterruptedException e) {
                                    return;
                                } catch (RuntimeException e) {
                                    log.warn(
                                            "could not recreate the cluster system yet: {}",
                                            e.getMessage());
                                }
                            }
                        },
                        "rhizome-rejoin");
        t.setDaemon(true);
        t.start();
    }

    public ReadyResponse readiness() {
        ActorSystem<Void> sys = system;
        MemberStatus s =
                sys == null ? MemberStatus.removed() : Cluster.get(sys).selfMember().status();
        boolean member = s == MemberStatus.up() || s == MemberStatus.weaklyUp();
        boolean bound = listenersBound.getAsBoolean() && admin != null;
        boolean policyLoaded = policy.current().loaded();
        return ReadyResponse.newBuilder()
                .setReady(bound && policyLoaded && member && !stopping)
                .setListenersBound(bound)
                .setPolicyLoaded(policyLoaded)
                .setMemberStatus(s.toString())
                .build();
    }

    /** Tells the registry the new health of a local service. */
    public void setLocalStatus(String service, EndpointStatus status) {
        ActorRef<RegistryActor.Command> r = registry;
        ActorSystem<Void> sys = system;
        if (r != null && sys != null) {
            r.tell(new RegistryActor.SetLocalStatus(service, status, sys.ignoreRef()));
        }
    }

    /**
     * Marks every local endpoint DRAINING and waits (bounded) until the write reached the members.
     */
    public void drain(Duration timeout) {
        draining = true;
        ActorSystem<Void> sys = system;
        ActorRef<RegistryActor.Command> r = registry;
        if (sys == null || r == null) {
            return;
        }
        try {
            AskPattern.<RegistryActor.Command, Done>ask(
                            r,
                            replyTo ->
                                    new RegistryActor.SetLocalStatus(
                                            "", EndpointStatus.DRAINING, replyTo),
                            timeout,
                            sys.scheduler())
                    .toCompletableFuture()
                    .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("draining status not confirmed by every member: {}", e.getMessage());
        }
    }

    /** Leaves the cluster (coordinated shutdown) and terminates the system. */
    public void stop(Duration timeout) {
        stopping = true;
        ActorSystem<Void> sys = system;
        if (sys == null) {
            return;
        }
        try {
            CoordinatedShutdown.get(sys)
                    .runAll(CoordinatedShutdown.jvmExitReason())
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("cluster leave did not complete in {}: {}", timeout, e.getMessage());
            sys.terminate();
        }
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** What this node presents to peers, for {@code meshctl check} from any node. */
    private static PolicyQueryActor.Certificate certificate(MeshTls tls) {
        if (!tls.enabled()) {
            return PolicyQueryActor.Certificate.NONE;
        }
        var m = tls.material();
        return new PolicyQueryActor.Certificate(
                m.identity().toString(), m.notAfter().toEpochMilli(), m.lifetime().toSeconds());
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c.getCause() != null)
                && c.getCause() != null
                && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
