package io.rhizome.mesh.node.health.outlier;

import io.rhizome.mesh.protocol.v1.OutlierDetection;
import java.time.Duration;

/**
 * A service's {@code outlier-detection} (docs/resources.md DestinationPolicy), as this node applies
 * it.
 *
 * @param consecutiveErrors failed tries in a row that eject an endpoint; default 5
 * @param baseEjection the first ejection's length; the n-th lasts n times as long, at most {@value
 *     #MAX_MULTIPLIER} times, and no longer than 5 minutes unless the base itself is; default 10 s
 * @param maxEjectionPercent at most this share of a service's endpoints ejected at once; default 50
 */
public record OutlierPolicy(int consecutiveErrors, Duration baseEjection, int maxEjectionPercent) {

    /** The ejection multiplier stops growing here. */
    public static final int MAX_MULTIPLIER = 10;

    private static final long MAX_EJECTION_NANOS = Duration.ofMinutes(5).toNanos();

    /** A service without a DestinationPolicy (or without its outlier-detection block). */
    public static final OutlierPolicy DEFAULT = new OutlierPolicy(5, Duration.ofSeconds(10), 50);

    public OutlierPolicy {
        if (consecutiveErrors < 1) {
            throw new IllegalArgumentException(
                    "outlier-detection.consecutive-errors: "
                            + consecutiveErrors
                            + " (expected: 1..1000)");
        }
        if (baseEjection == null || baseEjection.isNegative() || baseEjection.isZero()) {
            throw new IllegalArgumentException(
                    "outlier-detection.base-ejection: " + baseEjection + " (expected: 1ms..1h)");
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException(
                    "outlier-detection.max-ejection-percent: "
                            + maxEjectionPercent
                            + " (expected: 0..100)");
        }
    }

    /**
     * The stored form; zero fields (a spec built without the reader's defaults) take the defaults.
     */
    public static OutlierPolicy of(OutlierDetection o) {
        if (o == null) {
            return DEFAULT;
        }
        int errors =
                o.getConsecutiveErrors() > 0
                        ? o.getConsecutiveErrors()
                        : DEFAULT.consecutiveErrors();
        Duration base =
                o.getBaseEjectionMillis() > 0
                        ? Duration.ofMillis(o.getBaseEjectionMillis())
                        : DEFAULT.baseEjection();
        OutlierPolicy p = new OutlierPolicy(errors, base, o.getMaxEjectionPercent());
        return p.equals(DEFAULT) ? DEFAULT : p;
    }

    /** How long the {@code n}-th ejection (1-based) lasts. */
    long ejectionNanos(int n) {
        long base = baseEjection.toNanos();
        long grown = base * Math.min(Math.max(n, 1), MAX_MULTIPLIER);
        return Math.min(grown, Math.max(base, MAX_EJECTION_NANOS));
    }

    /** Whether ejecting one more of {@code endpoints} keeps the ejected share within the limit. */
    boolean allows(int alreadyEjected, int endpoints) {
        return (alreadyEjected + 1) * 100L <= (long) maxEjectionPercent * endpoints;
    }
}
