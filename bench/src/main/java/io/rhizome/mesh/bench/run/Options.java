package io.rhizome.mesh.bench.run;

import java.time.Duration;
import java.util.List;

/**
 * Options of {@code bench/run} and the durations of its two modes. The quick mode keeps the whole
 * run under five minutes on the 2-core machine; the full mode measures longer and repeats.
 */
record Options(
        boolean quick,
        Variant variant,
        String proxyCpu,
        String loadCpu,
        String nodeJavaOpts,
        Duration warmup,
        Duration throughput,
        int throughputRepeats,
        Duration latencyWarmup,
        Duration latency,
        List<Integer> rates,
        int connections,
        int readyRuns,
        int convergenceRounds,
        int convergenceWarmup,
        Duration drainLoad,
        boolean skipCluster) {

    static final String USAGE =
            "usage: bench/run [--quick] [--variant plain|metrics-off|access-log|resilience|tls] [--proxy-cpu N] [--load-cpu N]"
                    + " [--node-java-opts '...'] [--skip-cluster]";

    static Options parse(String[] args) {
        boolean quick = false;
        Variant variant = Variant.PLAIN;
        String proxyCpu = "0";
        String loadCpu = "1";
        String javaOpts = "";
        boolean skipCluster = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--skip-cluster" -> skipCluster = true;
                case "--variant", "--proxy-cpu", "--load-cpu", "--node-java-opts" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--variant" -> variant = Variant.parse(v);
                        case "--proxy-cpu" -> proxyCpu = cpu(a, v);
                        case "--load-cpu" -> loadCpu = cpu(a, v);
                        default -> javaOpts = v;
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument \"" + a + "\"");
            }
        }
        if (!variant.available()) {
            throw new IllegalArgumentException(
                    "--variant " + variant.id() + ": not available in this build");
        }
        if (quick) {
            return new Options(
                    true,
                    variant,
                    proxyCpu,
                    loadCpu,
                    javaOpts,
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(3),
                    1,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(3),
                    List.of(1000, 5000),
                    32,
                    2,
                    20,
                    10,
                    Duration.ofSeconds(10),
                    skipCluster);
        }
        return new Options(
                false,
                variant,
                proxyCpu,
                loadCpu,
                javaOpts,
                Duration.ofSeconds(15),
                Duration.ofSeconds(10),
                3,
                Duration.ofSeconds(3),
                Duration.ofSeconds(20),
                List.of(1000, 5000),
                32,
                5,
                100,
                50,
                Duration.ofSeconds(20),
                skipCluster);
    }

    private static String cpu(String flag, String v) {
        if (!v.matches("\\d{1,3}")) {
            throw new IllegalArgumentException(
                    flag + ": \"" + v + "\" (expected: a CPU number such as 0)");
        }
        return v;
    }

    String mode() {
        return quick ? "quick" : "full";
    }
}
