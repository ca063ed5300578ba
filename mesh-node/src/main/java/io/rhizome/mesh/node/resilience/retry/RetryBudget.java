package io.rhizome.mesh.node.resilience.retry;

import java.util.Objects;

/**
 * The retry budget of one destination service (Linkerd's): over the last {@link
 * RetryWindow#WINDOW}, retries may number at most {@code ratio × requests + min-per-second × 10}.
 * Each request is counted once when it starts ({@link #onRequest()}); each retry asks first ({@link
 * #tryRetry()}), and a retry the budget refuses is not made: the client gets the answer or error at
 * hand. Replays of a request on a stale pooled connection are not retries and do not ask.
 */
public final class RetryBudget {
    /**
     * No budget: every retry the route allows is made (requests to a fixed address, not a service).
     */
    public static final RetryBudget UNLIMITED = new RetryBudget(null, null);

    private final RetryBudgetPolicy policy;
    private final RetryWindow window;

    private RetryBudget(RetryBudgetPolicy policy, RetryWindow window) {
        this.policy = policy;
        this.window = window;
    }

    /** A budget of {@code policy} counted on {@code window}, which outlives policy changes. */
    public static RetryBudget of(RetryBudgetPolicy policy, RetryWindow window) {
        return new RetryBudget(
                Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(window, "window"));
    }

    /** The policy, or null when unlimited. */
    public RetryBudgetPolicy policy() {
        return policy;
    }

    /** A request to the service started (once per request, whatever its tries). */
    public void onRequest() {
        if (window != null) {
            window.request();
        }
    }

    /** Takes one retry from the budget, or returns false when it is spent. */
    public boolean tryRetry() {
        return window == null || window.tryRetry(policy);
    }
}
