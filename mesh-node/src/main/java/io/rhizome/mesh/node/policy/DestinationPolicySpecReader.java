package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.CircuitBreaker;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.HashOn;
import io.rhizome.mesh.protocol.v1.OutlierDetection;
import io.rhizome.mesh.protocol.v1.RetryBudget;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The {@code spec} of a DestinationPolicy, with every documented default filled in. */
final class DestinationPolicySpecReader {

    static final List<String> LOAD_BALANCERS =
            List.of(
                    "round-robin",
                    "weighted-round-robin",
                    "least-request",
                    "ring-hash",
                    "maglev",
                    "random");
    static final String DEFAULT_LOAD_BALANCER = "round-robin";
    static final int DEFAULT_CONSECUTIVE_ERRORS = 5;
    static final long DEFAULT_BASE_EJECTION_MILLIS = 10_000;
    static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
    static final double DEFAULT_BUDGET_RATIO = 0.2;
    static final int DEFAULT_BUDGET_MIN_PER_SECOND = 10;
    static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 1000;

    private static final Set<String> KEYS =
            Set.of(
                    "service",
                    "load-balancer",
                    "hash-on",
                    "outlier-detection",
                    "circuit-breaker",
                    "retry-budget",
                    "connect-timeout");
    private static final Set<String> HASH_KEYS = Set.of("header", "cookie", "source-ip");
    private static final Set<String> OUTLIER_KEYS =
            Set.of("consecutive-errors", "base-ejection", "max-ejection-percent");
    private static final Set<String> BREAKER_KEYS =
            Set.of("max-connections", "max-pending", "max-requests");
    private static final Set<String> BUDGET_KEYS = Set.of("ratio", "min-per-second");
    private static final int LIMIT = 1_000_000;
    private static final Duration MS = Duration.ofMillis(1);

    private DestinationPolicySpecReader() {}

    static DestinationPolicySpec read(Fields spec) {
        spec.allowOnly(KEYS);
        DestinationPolicySpec.Builder b =
                DestinationPolicySpec.newBuilder()
                        .setService(Names.service(spec, "service"))
                        .setLoadBalancer(
                                spec.oneOf("load-balancer", LOAD_BALANCERS, DEFAULT_LOAD_BALANCER));
        if (spec.has("hash-on")) {
            if (!b.getLoadBalancer().equals("ring-hash") && !b.getLoadBalancer().equals("maglev")) {
                throw ResourceError.bad(
                        spec.pathOf("hash-on"),
                        spec.value("hash-on", ""),
                        "no hash-on unless load-balancer is ring-hash or maglev");
            }
            b.setHashOn(hashOn(spec.object("hash-on", "an object { header = NAME }")));
        }
        Fields outlier =
                optional(
                                spec,
                                "outlier-detection",
                                "an object { consecutive-errors, base-ejection, max-ejection-percent }")
                        .allowOnly(OUTLIER_KEYS);
        b.setOutlierDetection(
                OutlierDetection.newBuilder()
                        .setConsecutiveErrors(
                                outlier.intIn(
                                        "consecutive-errors", 1, 1000, DEFAULT_CONSECUTIVE_ERRORS))
                        .setBaseEjectionMillis(
                                outlier.millis(
                                        "base-ejection",
                                        MS,
                                        Duration.ofHours(1),
                                        DEFAULT_BASE_EJECTION_MILLIS))
                        .setMaxEjectionPercent(
                                outlier.intIn(
                                        "max-ejection-percent",
                                        0,
                                        100,
                                        DEFAULT_MAX_EJECTION_PERCENT)));
        // 0 in the stored form: unlimited.
        Fields breaker =
                optional(
                                spec,
                                "circuit-breaker",
                                "an object { max-connections, max-pending, max-requests }")
                        .allowOnly(BREAKER_KEYS);
        b.setCircuitBreaker(
                CircuitBreaker.newBuilder()
                        .setMaxConnections(breaker.intIn("max-connections", 1, LIMIT, 0))
                        .setMaxPending(breaker.intIn("max-pending", 1, LIMIT, 0))
                        .setMaxRequests(breaker.intIn("max-requests", 1, LIMIT, 0)));
        Fields budget =
                optional(spec, "retry-budget", "an object { ratio, min-per-second }")
                        .allowOnly(BUDGET_KEYS);
        b.setRetryBudget(
                RetryBudget.newBuilder()
                        .setRatio(ratio(budget))
                        .setMinPerSecond(
                                budget.intIn(
                                        "min-per-second",
                                        0,
                                        100_000,
                                        DEFAULT_BUDGET_MIN_PER_SECOND)));
        b.setConnectTimeoutMillis(
                spec.millis(
                        "connect-timeout",
                        MS,
                        Duration.ofMinutes(1),
                        DEFAULT_CONNECT_TIMEOUT_MILLIS));
        return b.build();
    }

    private static HashOn hashOn(Fields f) {
        f.allowOnly(HASH_KEYS);
        long given = HASH_KEYS.stream().filter(f::has).count();
        if (given != 1) {
            throw ResourceError.bad(f.path(), f.self(), "exactly one of header, cookie, source-ip");
        }
        if (f.has("header")) {
            return HashOn.newBuilder()
                    .setHeader(Names.headerName(f.value("header", ""), f.pathOf("header")))
                    .build();
        }
        if (f.has("cookie")) {
            return HashOn.newBuilder()
                    .setCookie(Names.cookieName(f.value("cookie", ""), f.pathOf("cookie")))
                    .build();
        }
        if (!f.bool("source-ip", false)) {
            throw ResourceError.bad(f.pathOf("source-ip"), f.value("source-ip", "true"), "true");
        }
        return HashOn.newBuilder().setSourceIp(true).build();
    }

    private static double ratio(Fields budget) {
        if (!budget.has("ratio")) {
            return DEFAULT_BUDGET_RATIO;
        }
        double ratio =
                Fields.toNumber(budget.value("ratio", ""), budget.pathOf("ratio"), "0.0..1.0");
        if (!(ratio >= 0 && ratio <= 1)) {
            throw ResourceError.bad(budget.pathOf("ratio"), budget.value("ratio", ""), "0.0..1.0");
        }
        return ratio;
    }

    /** The object at {@code key}, or an empty one so its defaults apply. */
    private static Fields optional(Fields spec, String key, String expected) {
        return spec.has(key) ? spec.object(key, expected) : Fields.empty(spec.pathOf(key));
    }
}
