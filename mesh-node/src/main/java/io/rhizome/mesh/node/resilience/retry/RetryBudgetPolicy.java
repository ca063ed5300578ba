package io.rhizome.mesh.node.resilience.retry;

import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;

/**
 * A service's {@code retry-budget} (docs/resources.md DestinationPolicy): retries to it may add at
 * most {@code ratio} of its requests, plus {@code minPerSecond} retries per second whatever the
 * traffic.
 *
 * @param ratio 0.0..1.0; default 0.2
 * @param minPerSecond 0..100000; default 10
 */
public record RetryBudgetPolicy(double ratio, int minPerSecond) {

    /** A service without a DestinationPolicy (or without its retry-budget block). */
    public static final RetryBudgetPolicy DEFAULT = new RetryBudgetPolicy(0.2, 10);

    public RetryBudgetPolicy {
        if (!(ratio >= 0.0 && ratio <= 1.0)) {
            throw new IllegalArgumentException(
                    "retry-budget.ratio: " + ratio + " (expected: 0.0..1.0)");
        }
        if (minPerSecond < 0 || minPerSecond > 100_000) {
            throw new IllegalArgumentException(
                    "retry-budget.min-per-second: " + minPerSecond + " (expected: 0..100000)");
        }
    }

    /** The stored form; a spec without the block takes the defaults. */
    public static RetryBudgetPolicy of(DestinationPolicySpec spec) {
        if (spec == null || !spec.hasRetryBudget()) {
            return DEFAULT;
        }
        RetryBudgetPolicy p =
                new RetryBudgetPolicy(
                        spec.getRetryBudget().getRatio(), spec.getRetryBudget().getMinPerSecond());
        return p.equals(DEFAULT) ? DEFAULT : p;
    }
}
