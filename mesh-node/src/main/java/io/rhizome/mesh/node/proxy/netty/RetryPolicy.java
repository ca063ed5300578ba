package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.protocol.v1.Retries;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's retries with the mesh defaults filled in (architecture.md §9): without a retries block
 * (or with {@code attempts = 0}) an idempotent request is retried once on connect-failure or reset.
 */
record RetryPolicy(
        int attempts,
        Set<String> on,
        Set<Integer> statusCodes,
        long perTryTimeoutMillis,
        long backoffBaseMillis,
        long backoffMaxMillis,
        boolean nonIdempotent) {

    static final RetryPolicy DEFAULT =
            new RetryPolicy(1, Set.of("connect-failure", "reset"), Set.of(), 0, 25, 250, false);

    static RetryPolicy of(Retries r) {
        if (r == null || r.getAttempts() == 0) {
            return r == null || r.getPerTryTimeoutMillis() == 0
                    ? DEFAULT
                    : new RetryPolicy(
                            1, DEFAULT.on(), Set.of(), r.getPerTryTimeoutMillis(), 25, 250, false);
        }
        return new RetryPolicy(
                r.getAttempts(),
                r.getOnCount() == 0 ? DEFAULT.on() : Set.copyOf(r.getOnList()),
                Set.copyOf(r.getRetriableStatusCodesList()),
                r.getPerTryTimeoutMillis(),
                r.getBackoffBaseMillis() > 0 ? r.getBackoffBaseMillis() : 25,
                r.getBackoffMaxMillis() > 0 ? r.getBackoffMaxMillis() : 250,
                r.getNonIdempotent());
    }

    boolean retriesStatus(int code) {
        return (on.contains("5xx") && code >= 500)
                || (on.contains("gateway-error") && (code == 502 || code == 503 || code == 504))
                || (on.contains("retriable-status-codes") && statusCodes.contains(code));
    }

    /**
     * Whether a gRPC call that ended with {@code grpcStatus} before any message came back is
     * retried: {@code cancelled} (1), {@code deadline-exceeded} (4), {@code resource-exhausted}
     * (8), {@code internal} (13), {@code unavailable} (14).
     */
    boolean retriesGrpc(int grpcStatus) {
        return switch (grpcStatus) {
            case 1 -> on.contains("cancelled");
            case 4 -> on.contains("deadline-exceeded");
            case 8 -> on.contains("resource-exhausted");
            case 13 -> on.contains("internal");
            case 14 -> on.contains("unavailable");
            default -> false;
        };
    }

    /** The route lists a gRPC condition: it opts gRPC calls (POSTs) in to retries of those. */
    boolean hasGrpcConditions() {
        return on.contains("cancelled")
                || on.contains("deadline-exceeded")
                || on.contains("resource-exhausted")
                || on.contains("internal")
                || on.contains("unavailable");
    }

    boolean retriesReset() {
        return on.contains("reset") || on.contains("5xx") || on.contains("gateway-error");
    }

    /** Exponential back-off with full jitter before retry number {@code retry} (1-based). */
    long backoffMillis(int retry) {
        long cap = Math.min(backoffMaxMillis, backoffBaseMillis << Math.min(20, retry - 1));
        return ThreadLocalRandom.current().nextLong(Math.max(1, cap) + 1);
    }
}
