package io.rhizome.mesh.node.resilience.ratelimit;

import io.rhizome.mesh.node.policy.PolicySnapshot;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * The RateLimits of each local service under the current policy snapshot, built once per snapshot
 * (the first request that sees a new snapshot builds it; a race builds it twice, harmlessly) and
 * read without locks. Every limit of the service that applies to a request must admit it. A limit
 * whose {@code requests-per-second}, {@code burst} and {@code per-caller} did not change keeps its
 * buckets across snapshots, so an unrelated policy change refills nothing.
 *
 * <p>A request refused by one limit may already have taken a token of another; like Envoy's
 * descriptors, tokens are not given back.
 */
public final class RateLimits {
    private static final String KIND = "RateLimit";

    /** Set by the outbound side to the rule ({@code route/rules[i]}) a request was routed by. */
    public static final String ROUTE_HEADER = "x-rhizome-route";

    /** Per-caller buckets kept per limit; beyond it, full (idle) buckets are dropped. */
    static final int MAX_CALLERS = 10_000;

    /** One limit's buckets: one shared bucket, or one per caller. */
    private static final class Buckets {
        final TokenBucket shared;
        final ConcurrentHashMap<String, TokenBucket> perCaller;

        Buckets(RateLimitPolicy p, LongSupplier clock) {
            this.shared =
                    p.perCaller()
                            ? null
                            : TokenBucket.create(p.requestsPerSecond(), p.burst(), clock);
            this.perCaller = p.perCaller() ? new ConcurrentHashMap<>() : null;
        }
    }

    private record Limit(RateLimitPolicy policy, Buckets buckets, String service, boolean global) {}

    private record Built(
            PolicySnapshot snapshot,
            Map<String, List<Limit>> byService,
            Map<String, Limit> byName) {}

    private final PolicyView policy;
    private final LongSupplier clock;
    private final ToIntFunction<String> instances;
    private final GlobalShares globalShares = new GlobalShares();
    private final AtomicReference<Built> built =
            new AtomicReference<>(new Built(null, Map.of(), Map.of()));

    private RateLimits(PolicyView policy, LongSupplier clock, ToIntFunction<String> instances) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.instances = Objects.requireNonNull(instances, "instances");
    }

    public static RateLimits create(PolicyView policy) {
        return create(policy, System::nanoTime);
    }

    /** With {@code nanoClock} timing every bucket (tests pass a manual clock). */
    public static RateLimits create(PolicyView policy, LongSupplier nanoClock) {
        return create(policy, nanoClock, service -> 1);
    }

    /**
     * @param instances how many instances a service has in the mesh: before the gossip says
     *     otherwise, a node enforces 1/instances of a global limit
     */
    public static RateLimits create(
            PolicyView policy, LongSupplier nanoClock, ToIntFunction<String> instances) {
        return new RateLimits(policy, nanoClock, instances);
    }

    /** This node's counters and shares of the global limits. */
    public GlobalShares globalShares() {
        return globalShares;
    }

    /** The global limits of the current snapshot: name → service. */
    public Map<String, String> globalLimits() {
        Map<String, String> out = new HashMap<>();
        current()
                .byName()
                .forEach(
                        (name, limit) -> {
                            if (limit.global()) {
                                out.put(name, limit.service());
                            }
                        });
        return out;
    }

    /**
     * Takes a token from every limit of {@code service} that applies.
     *
     * @param routeHeader the request's {@code x-rhizome-route}, or null: limits with a {@code
     *     route} apply only to requests routed by that Route
     * @param caller who is calling, for {@code per-caller} limits; null counts as one unknown
     *     caller
     */
    public RateLimitDecision admit(String service, String routeHeader, String caller) {
        List<Limit> limits = current().byService().get(service);
        if (limits == null) {
            return RateLimitDecision.ADMITTED;
        }
        for (Limit limit : limits) {
            if (!limit.policy().appliesTo(routeHeader)) {
                continue;
            }
            long wait;
            if (limit.global()) {
                String name = limit.policy().name();
                globalShares.count(name);
                wait =
                        bucket(limit, caller)
                                .tryAcquire(
                                        globalShares.share(
                                                name,
                                                1.0 / Math.max(1, instances.applyAsInt(service))));
            } else {
                wait = bucket(limit, caller).tryAcquire();
            }
            if (wait > 0) {
                return new RateLimitDecision.Limited(limit.policy(), wait);
            }
        }
        return RateLimitDecision.ADMITTED;
    }

    private TokenBucket bucket(Limit limit, String caller) {
        Buckets b = limit.buckets();
        if (b.shared != null) {
            return b.shared;
        }
        String key = caller == null ? "" : caller;
        TokenBucket known = b.perCaller.get(key);
        if (known != null) {
            return known;
        }
        if (b.perCaller.size() >= MAX_CALLERS) {
            // Only under a flood of callers: a full bucket is recreated full, so dropping it loses
            // nothing;
            // when every bucket is in use, new callers share the bucket of unknown callers.
            b.perCaller.values().removeIf(TokenBucket::isFull);
            if (b.perCaller.size() >= MAX_CALLERS) {
                key = "";
            }
        }
        RateLimitPolicy p = limit.policy();
        return b.perCaller.computeIfAbsent(
                key, k -> TokenBucket.create(p.requestsPerSecond(), p.burst(), clock));
    }

    private Built current() {
        PolicySnapshot snapshot = policy.current();
        Built b = built.get();
        if (b.snapshot() != snapshot) {
            Built next = build(snapshot, b.byName());
            built.compareAndSet(b, next);
            b = next;
        }
        return b;
    }

    private Built build(PolicySnapshot snapshot, Map<String, Limit> previous) {
        Map<String, List<Limit>> byService = new HashMap<>();
        Map<String, Limit> byName = new HashMap<>();
        for (Resource r : snapshot.live(KIND)) {
            if (!r.hasRateLimit()) {
                continue;
            }
            RateLimitPolicy p;
            try {
                p = RateLimitPolicy.of(r.getName(), r.getRateLimit());
            } catch (IllegalArgumentException e) {
                continue; // the reader validated it; a value out of range came from elsewhere: not
                // enforced
            }
            Limit old = previous.get(r.getName());
            Buckets buckets =
                    old != null && old.policy().sameBuckets(p)
                            ? old.buckets()
                            : new Buckets(p, clock);
            Limit limit =
                    new Limit(
                            p,
                            buckets,
                            r.getRateLimit().getService(),
                            r.getRateLimit().getGlobal());
            byName.put(r.getName(), limit);
            byService
                    .computeIfAbsent(r.getRateLimit().getService(), k -> new ArrayList<>())
                    .add(limit);
        }
        Map<String, List<Limit>> frozen = new HashMap<>();
        byService.forEach((service, limits) -> frozen.put(service, List.copyOf(limits)));
        return new Built(snapshot, Map.copyOf(frozen), Map.copyOf(byName));
    }
}
