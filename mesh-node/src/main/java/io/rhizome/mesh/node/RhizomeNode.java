package io.rhizome.mesh.node;

import io.rhizome.mesh.node.cluster.ControlPlane;
import io.rhizome.mesh.node.config.ConfigError;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.health.LocalHealthChecker;
import io.rhizome.mesh.node.health.outlier.EjectionTracker;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.loadbalancing.Locality;
import io.rhizome.mesh.node.observability.Observability;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import io.rhizome.mesh.node.observability.tap.TapHub;
import io.rhizome.mesh.node.policy.PolicyJournal;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.proxy.DataPlane;
import io.rhizome.mesh.node.proxy.netty.NettyDataPlane;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.node.security.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the data plane (bound first, outlives everything else), the control plane
 * (cluster, registry, admin API) and the health checks of its local services.
 */
public final class RhizomeNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RhizomeNode.class);

    private final NodeSettings settings;
    private final MeshView view = new MeshView();
    private final EndpointSelector selector;
    private final PolicyView policy = new PolicyView();
    private final LocalHealthChecker health;
    private final DataPlane dataPlane;
    private final ControlPlane controlPlane;
    private final Observability observability;
    private final MeshTls tls;
    private volatile boolean bound;
    private volatile boolean stopped;

    private RhizomeNode(NodeSettings settings) {
        this.settings = settings;
        this.selector =
                new EndpointSelector(EjectionTracker.create(), Locality.of(settings.zone()));
        this.health = new LocalHealthChecker(settings.services());
        this.tls = startTls(settings);
        this.dataPlane = NettyDataPlane.create(settings, view, selector, policy, tls);
        StatsRecorder stats =
                StatsRecorder.create(
                        settings.identityService(),
                        settings.services().stream().map(s -> s.name()).toList(),
                        settings.nodeName(),
                        System::currentTimeMillis);
        dataPlane.observers().register(stats);
        dataPlane.tcpStats().connections().register(stats.connectionObserver());
        this.observability =
                Observability.attach(
                        settings.nodeName(),
                        settings.identityService(),
                        stats.localCallerService(),
                        settings.observability(),
                        dataPlane,
                        view,
                        policy,
                        selector,
                        tls.stats());
        this.controlPlane =
                new ControlPlane(
                        settings,
                        view,
                        selector,
                        BuildInfo.version(),
                        System.currentTimeMillis(),
                        health::current,
                        () -> bound,
                        policy,
                        new PolicyJournal(settings.dataDir()),
                        stats,
                        new TapHub(
                                dataPlane.observers(),
                                dataPlane.tcpStats().connections(),
                                settings.nodeName(),
                                stats.localCaller()),
                        observability.metrics(),
                        tls);
        controlPlane.shareRateLimits(dataPlane.rateLimits());
    }

    private static MeshTls startTls(NodeSettings settings) {
        try {
            return MeshTls.start(settings.tls(), settings.identityService(), Clock.systemUTC());
        } catch (TlsMaterialException e) {
            // Checked at load already; the files changed in between.
            throw new ConfigError(e.key(), e.getMessage());
        }
    }

    /** The node's mTLS (status, counters, current material). */
    public MeshTls tls() {
        return tls;
    }

    /** Starts a node; a port in use or an unusable data dir fails before anything keeps running. */
    public static RhizomeNode start(NodeSettings settings) {
        try {
            Files.createDirectories(settings.dataDir());
        } catch (IOException e) {
            throw new ConfigError(
                    "rhizome.data-dir",
                    "\""
                            + settings.dataDir()
                            + "\" cannot be created ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + ")");
        }
        RhizomeNode node = new RhizomeNode(settings);
        node.health.checkAllOnce();
        node.dataPlane.start();
        try {
            node.controlPlane.start();
        } catch (RuntimeException e) {
            node.dataPlane.stop(Duration.ZERO);
            throw e;
        }
        node.bound = true;
        node.health.start(node.controlPlane::setLocalStatus);
        return node;
    }

    public NodeSettings settings() {
        return settings;
    }

    public MeshView view() {
        return view;
    }

    public PolicyView policy() {
        return policy;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /**
     * Graceful stop (SIGTERM): endpoints go DRAINING so peers stop choosing them, in-flight
     * requests finish, then the node leaves the cluster and closes its listeners.
     */
    public synchronized void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        NodeSettings.Shutdown s = settings.shutdown();
        log.info(
                "shutting down: draining ({} requests in flight, {} tunnels open)",
                dataPlane.inFlight(),
                dataPlane.openTunnels());
        dataPlane.drain();
        controlPlane.drain(Duration.ofSeconds(3));
        sleep(s.drainDelay());
        long deadline = System.nanoTime() + s.drainTimeout().toNanos();
        // Open WebSockets and TCP connections run on within the drain timeout, then close with the
        // listeners.
        while (dataPlane.inFlight() + dataPlane.openTunnels() > 0 && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(20));
        }
        log.info("drained; leaving the cluster");
        controlPlane.stop(Duration.ofSeconds(15));
        health.close();
        dataPlane.stop(Duration.ofSeconds(1));
        observability.close();
        tls.close();
        log.info("node {} stopped", settings.nodeName());
    }

    @Override
    public void close() {
        shutdown();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
