package io.rhizome.mesh.example.greeter;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls the greeter the way an app behind a sidecar does: one gRPC channel (one HTTP/2 connection)
 * to the node's outbound port, the service named as the authority.
 *
 * <pre>
 * GreeterClient [--via 127.0.0.1:15001] [--service greeter] [--name you] [--calls 1] [--deadline-ms 5000]
 * </pre>
 *
 * Prints each answer, then how many calls each instance answered; exit 1 if any call failed.
 */
public final class GreeterClient {
    private GreeterClient() {}

    public static void main(String[] args) throws Exception {
        String via = "127.0.0.1:15001";
        String service = "greeter";
        String name = "you";
        int calls = 1;
        long deadlineMs = 5000;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("missing value of " + args[i]);
            }
            switch (args[i]) {
                case "--via" -> via = value;
                case "--service" -> service = value;
                case "--name" -> name = value;
                case "--calls" -> calls = positive(args[i], value);
                case "--deadline-ms" -> deadlineMs = positive(args[i], value);
                default -> usage("unknown option '" + args[i] + "'");
            }
        }
        int colon = via.lastIndexOf(':');
        if (colon <= 0) {
            usage("--via " + via + " (expected: host:port)");
        }
        ManagedChannel channel =
                NettyChannelBuilder.forAddress(
                                via.substring(0, colon),
                                positive("--via", via.substring(colon + 1)))
                        .usePlaintext()
                        .overrideAuthority(service)
                        .build();
        Map<String, Integer> byInstance = new TreeMap<>();
        int failed = 0;
        try {
            for (int i = 0; i < calls; i++) {
                try {
                    String answer =
                            ClientCalls.blockingUnaryCall(
                                    channel,
                                    Greeter.SAY_HELLO,
                                    CallOptions.DEFAULT.withDeadlineAfter(
                                            deadlineMs, TimeUnit.MILLISECONDS),
                                    name);
                    if (calls <= 10) {
                        System.out.println(answer);
                    }
                    byInstance.merge(
                            answer.substring(answer.lastIndexOf(' ') + 1), 1, Integer::sum);
                } catch (StatusRuntimeException e) {
                    failed++;
                    System.out.println(
                            "failed: "
                                    + e.getStatus().getCode()
                                    + ": "
                                    + e.getStatus().getDescription());
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.out.println(
                calls
                        + " calls on one connection: "
                        + byInstance
                        + (failed > 0 ? ", " + failed + " failed" : ""));
        System.exit(failed > 0 ? 1 : 0);
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage line
        }
        usage(option + " " + value + " (expected: a positive integer)");
        return 0;
    }

    private static void usage(String problem) {
        System.err.println(
                "greeter-call: "
                        + problem
                        + " (usage: greeter-call [--via HOST:PORT] [--service NAME] [--name TEXT]"
                        + " [--calls N] [--deadline-ms MS])");
        System.exit(2);
    }
}
