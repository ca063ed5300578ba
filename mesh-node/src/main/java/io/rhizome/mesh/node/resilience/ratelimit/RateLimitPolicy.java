package io.rhizome.mesh.node.resilience.ratelimit;

import io.rhizome.mesh.protocol.v1.RateLimitSpec;
import java.util.Objects;

/**
 * One RateLimit resource as this node applies it.
 *
 * @param name the resource's name (named in the 429's body)
 * @param requestsPerSecond tokens added per second; > 0
 * @param burst the bucket's capacity; default {@code ceil(requestsPerSecond)}
 * @param route the Route whose requests alone it limits; empty: every request (default)
 * @param perCaller one bucket per caller rather than one per instance; default false
 */
public record RateLimitPolicy(
        String name, double requestsPerSecond, int burst, String route, boolean perCaller) {

    public RateLimitPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(route, "route");
        if (!(requestsPerSecond > 0 && requestsPerSecond <= 1_000_000)) {
            throw new IllegalArgumentException(
                    "requests-per-second: "
                            + requestsPerSecond
                            + " (expected: > 0 and <= 1000000)");
        }
        if (burst < 1 || burst > 1_000_000) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: 1..1000000)");
        }
    }

    /**
     * The stored form. A burst of 0 (a writer that left it unset) means {@code
     * ceil(requests-per-second)}. {@code global} is applied by {@link RateLimits} (see {@link
     * GlobalShares}).
     */
    public static RateLimitPolicy of(String name, RateLimitSpec spec) {
        double rps = spec.getRequestsPerSecond();
        int burst = spec.getBurst() > 0 ? spec.getBurst() : (int) Math.max(1, Math.ceil(rps));
        return new RateLimitPolicy(name, rps, burst, spec.getRoute(), spec.getPerCaller());
    }

    /**
     * Whether a request that its caller routed by {@code routeHeader} ({@code x-rhizome-route}, may
     * be null) counts.
     */
    boolean appliesTo(String routeHeader) {
        return route.isEmpty()
                || (routeHeader != null
                        && routeHeader.length() > route.length()
                        && routeHeader.startsWith(route)
                        && routeHeader.charAt(route.length()) == '/');
    }

    /** The buckets of a limit survive a policy change that keeps these. */
    boolean sameBuckets(RateLimitPolicy other) {
        return other.requestsPerSecond == requestsPerSecond
                && other.burst == burst
                && other.perCaller == perCaller;
    }
}
