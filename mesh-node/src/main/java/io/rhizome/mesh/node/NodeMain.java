package io.rhizome.mesh.node;

import io.rhizome.mesh.node.config.ConfigError;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.proxy.BindFailure;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code bin/mesh-node --config FILE}: starts a node and runs until SIGTERM or SIGINT. */
public final class NodeMain {
    private NodeMain() {}

    public static void main(String[] args) {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        usage("--config needs a file");
                    }
                    config = Path.of(args[++i]);
                }
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: mesh-node --config FILE   (keys: see config/node.conf)");
                    System.exit(0);
                }
                case "--version" -> {
                    System.out.println("mesh-node " + BuildInfo.version());
                    System.exit(0);
                }
                default -> usage("unknown argument \"" + args[i] + "\"");
            }
        }
        if (config == null) {
            usage("--config FILE is required");
        }
        NodeSettings settings;
        RhizomeNode node;
        try {
            settings = SettingsLoader.load(config);
            System.setProperty(
                    "log.node", settings.nodeName()); // read by the log pattern (LogConfigurator)
            node = RhizomeNode.start(settings);
        } catch (ConfigError e) {
            System.err.println("mesh-node: " + e.getMessage());
            System.exit(2);
            return;
        } catch (BindFailure e) {
            System.err.println("mesh-node: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    node.shutdown();
                                    stopped.countDown();
                                },
                                "rhizome-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void usage(String problem) {
        System.err.println("mesh-node: " + problem + " (usage: mesh-node --config FILE)");
        System.exit(2);
    }
}
