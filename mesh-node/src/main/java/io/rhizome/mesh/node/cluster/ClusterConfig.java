package io.rhizome.mesh.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import java.util.List;

/** Builds the Pekko configuration of a node's cluster-facing ActorSystem from its settings. */
public final class ClusterConfig {
    public static final String SYSTEM_NAME = "rhizome";

    /**
     * Timings for local demos and tests (architecture.md §4): failures detected and healed in
     * seconds.
     */
    static final String FAST_PROFILE =
            """
            pekko.cluster {
              seed-node-timeout = 1s
              retry-unsuccessful-join-after = 1s
              shutdown-after-unsuccessful-join-seed-nodes = off
              gossip-interval = 200ms
              leader-actions-interval = 200ms
              unreachable-nodes-reaper-interval = 250ms
              allow-weakly-up-members = 1s
              failure-detector {
                heartbeat-interval = 200ms
                acceptable-heartbeat-pause = 1200ms
                expected-response-after = 400ms
              }
              split-brain-resolver.stable-after = 3s
              distributed-data.gossip-interval = 300ms
              typed.receptionist.distributed-data.gossip-interval = 300ms
            }
            pekko.remote.artery.advanced.give-up-system-message-after = 30s
            """;

    private ClusterConfig() {}

    public static String seedAddress(HostPort seed) {
        return "pekko://" + SYSTEM_NAME + "@" + seed;
    }

    public static Config pekkoConfig(NodeSettings settings, String version) {
        HostPort address = settings.cluster().address();
        Config generated =
                ConfigFactory.empty()
                        .withValue(
                                "pekko.remote.artery.canonical.hostname",
                                ConfigValueFactory.fromAnyRef(address.host()))
                        .withValue(
                                "pekko.remote.artery.canonical.port",
                                ConfigValueFactory.fromAnyRef(address.port()))
                        // ControlPlane joins the seed nodes itself, so that a restarted first seed
                        // rejoins
                        // the running cluster instead of forming an island.
                        .withValue(
                                "pekko.cluster.seed-nodes",
                                ConfigValueFactory.fromIterable(List.of()))
                        .withValue(
                                "pekko.cluster.roles",
                                ConfigValueFactory.fromIterable(
                                        List.of(MemberNames.role(settings.nodeName()))))
                        .withValue(
                                "pekko.cluster.app-version",
                                ConfigValueFactory.fromAnyRef(appVersion(version)))
                        .withValue(
                                "pekko.cluster.distributed-data.durable.lmdb.dir",
                                ConfigValueFactory.fromAnyRef(
                                        settings.dataDir()
                                                .toAbsolutePath()
                                                .resolve("ddata")
                                                .toString()));
        if (settings.tlsEnabled()) {
            // The engines come from ClusterSslEngineProvider, given to the ActorSystem as a setup.
            generated =
                    generated.withValue(
                            "pekko.remote.artery.transport",
                            ConfigValueFactory.fromAnyRef("tls-tcp"));
        }
        Config profile =
                settings.cluster().profile() == NodeSettings.Profile.FAST
                        ? ConfigFactory.parseString(FAST_PROFILE)
                        : ConfigFactory.empty();
        return generated.withFallback(profile).withFallback(settings.pekko());
    }

    /** Pekko's app-version must look like a version number; "dev" builds count as 0.0.0. */
    private static String appVersion(String version) {
        return version.matches("\\d+(\\.\\d+)*.*") ? version.replaceAll("[^0-9.].*$", "") : "0.0.0";
    }
}
