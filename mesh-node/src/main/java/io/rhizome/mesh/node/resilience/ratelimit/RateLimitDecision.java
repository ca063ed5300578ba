package io.rhizome.mesh.node.resilience.ratelimit;

/** Whether a request may reach the instance now. */
public sealed interface RateLimitDecision {

    RateLimitDecision ADMITTED = new Admitted();

    /** Every limit that applies had a token. */
    record Admitted() implements RateLimitDecision {}

    /**
     * A limit had no token left; nothing may be sent upstream.
     *
     * @param policy the limit that refused
     * @param retryAfterNanos how long until that limit has a token again
     */
    record Limited(RateLimitPolicy policy, long retryAfterNanos) implements RateLimitDecision {
        /** {@code Retry-After}: whole seconds until a token, at least 1. */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L);
        }
    }
}
