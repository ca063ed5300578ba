package io.rhizome.mesh.node.health.outlier;

/**
 * One endpoint's outlier state, immutable; {@link EjectionTracker} swaps it by CAS.
 *
 * @param failures failed tries since the last success; not reset by an ejection, so an endpoint
 *     that comes back and fails again is ejected again at its first failure
 * @param ejections how many times it was ejected since it was last forgiven (the back-off
 *     multiplier)
 * @param since when the last ejection began (nano clock)
 * @param until when the last ejection ends (nano clock)
 */
record OutlierState(int failures, int ejections, long since, long until) {

    static final OutlierState HEALTHY = new OutlierState(0, 0, 0, 0);

    boolean ejectedAt(long now) {
        return ejections > 0 && until - now > 0;
    }

    /** One more failed try, counted (saturating). */
    OutlierState failed() {
        return new OutlierState(
                failures == Integer.MAX_VALUE ? failures : failures + 1, ejections, since, until);
    }

    /** Ejected from {@code now}, for the next multiple of the base ejection. */
    OutlierState ejected(long now, OutlierPolicy policy) {
        int n =
                ejections >= OutlierPolicy.MAX_MULTIPLIER
                        ? OutlierPolicy.MAX_MULTIPLIER
                        : ejections + 1;
        return new OutlierState(failures, n, now, now + policy.ejectionNanos(n));
    }

    /**
     * A try succeeded: the failure count starts over. The multiplier is forgiven once the endpoint
     * has been back for as long as its last ejection lasted; a success during an ejection (panic
     * traffic, a try that began before it) does not end the ejection.
     */
    OutlierState succeeded(long now) {
        boolean forgiven = ejections > 0 && !ejectedAt(now) && now - until >= until - since;
        if (forgiven || ejections == 0) {
            return HEALTHY;
        }
        return failures == 0 ? this : new OutlierState(0, ejections, since, until);
    }
}
