package io.rhizome.mesh.node.resilience;

import io.rhizome.mesh.node.health.outlier.OutlierPolicy;
import io.rhizome.mesh.node.loadbalancing.EndpointStats;
import io.rhizome.mesh.node.loadbalancing.LoadBalancer;
import io.rhizome.mesh.node.policy.PolicySnapshot;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.Versions;
import io.rhizome.mesh.node.resilience.circuitbreaker.CircuitBreakerState;
import io.rhizome.mesh.node.resilience.circuitbreaker.ConnectionLimit;
import io.rhizome.mesh.node.resilience.retry.RetryBudget;
import io.rhizome.mesh.node.resilience.retry.RetryBudgetPolicy;
import io.rhizome.mesh.node.resilience.retry.RetryWindow;
import io.rhizome.mesh.protocol.v1.DestinationPolicySpec;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Each service's {@link Destination} under the current policy snapshot, built once per snapshot
 * (the first request that sees a new snapshot builds it; a race builds it twice, harmlessly) and
 * read without locks. A balancer whose spec did not change is carried over, so its cursor and hash
 * tables survive unrelated policy changes; circuit-breaker and retry-budget counters live as long
 * as this object. A service without a policy gets the defaults (outlier detection, a retry budget
 * of 0.2 with 10 per second), its budget counted per service too. When two DestinationPolicies name
 * one service, the oldest (by version) wins.
 */
public final class DestinationPolicies {
    private static final String KIND = "DestinationPolicy";

    private record Built(PolicySnapshot snapshot, Map<String, Destination> byService) {}

    private final PolicyView policy;
    private final EndpointStats stats;
    private final AtomicReference<Built> built = new AtomicReference<>(new Built(null, Map.of()));
    private final ConcurrentHashMap<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RetryWindow> windows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionLimit.Counters> connections =
            new ConcurrentHashMap<>();

    /** Services without a policy: the default destination with the service's own budget. */
    private final ConcurrentHashMap<String, Destination> defaults = new ConcurrentHashMap<>();

    private DestinationPolicies(PolicyView policy, EndpointStats stats) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    public static DestinationPolicies create(PolicyView policy, EndpointStats stats) {
        return new DestinationPolicies(policy, stats);
    }

    /** The stats every balancer of this data plane scores by, and every upstream try feeds. */
    public EndpointStats stats() {
        return stats;
    }

    /**
     * How to send to {@code service} now; without a DestinationPolicy, {@link Destination#DEFAULT}
     * with the service's default retry budget. Callers ask only for services the mesh or the Routes
     * know, so the per-service entries stay bounded.
     */
    public Destination forService(String service) {
        Destination d = current().byService().get(service);
        return d != null
                ? d
                : defaults.computeIfAbsent(
                        service,
                        k ->
                                Destination.DEFAULT.withBudget(
                                        RetryBudget.of(RetryBudgetPolicy.DEFAULT, window(k))));
    }

    /**
     * Every circuit-breaker limit a DestinationPolicy sets, with what it holds now, sorted by
     * service (read at scrape time; refreshes the destinations to the current policy first).
     */
    public List<CircuitBreakerState> circuitBreakers() {
        List<CircuitBreakerState> out = new ArrayList<>();
        new TreeMap<>(current().byService())
                .forEach(
                        (service, d) -> {
                            if (d.limit().max() > 0) {
                                out.add(
                                        new CircuitBreakerState(
                                                service,
                                                "requests",
                                                d.limit().max(),
                                                d.limit().inflight()));
                            }
                            ConnectionLimit c = d.connections();
                            if (c.maxConnections() > 0) {
                                out.add(
                                        new CircuitBreakerState(
                                                service,
                                                "connections",
                                                c.maxConnections(),
                                                c.openConnections()));
                            }
                            if (c.maxPending() > 0) {
                                out.add(
                                        new CircuitBreakerState(
                                                service,
                                                "pending",
                                                c.maxPending(),
                                                c.pendingRequests()));
                            }
                        });
        return out;
    }

    /** The destinations of the current policy snapshot, built on first use. */
    private Built current() {
        PolicySnapshot snapshot = policy.current();
        Built b = built.get();
        if (b.snapshot() != snapshot) {
            Built next = new Built(snapshot, build(snapshot, b.byService()));
            built.compareAndSet(b, next);
            b = next;
        }
        return b;
    }

    private Map<String, Destination> build(
            PolicySnapshot snapshot, Map<String, Destination> previous) {
        List<Resource> live = snapshot.live(KIND);
        Map<String, Resource> oldest = new HashMap<>();
        for (Resource r : live) {
            if (!r.hasDestinationPolicy()) {
                continue;
            }
            oldest.merge(
                    r.getDestinationPolicy().getService(),
                    r,
                    (a, b) -> Versions.compare(b.getVersion(), a.getVersion()) < 0 ? b : a);
        }
        Map<String, Destination> out = new HashMap<>();
        oldest.forEach(
                (service, r) ->
                        out.put(
                                service,
                                destination(
                                        service, r.getDestinationPolicy(), previous.get(service))));
        return Map.copyOf(out);
    }

    private Destination destination(
            String service, DestinationPolicySpec spec, Destination previous) {
        LoadBalancer balancer;
        if (previous != null
                && previous.spec() != null
                && previous.spec().getLoadBalancer().equals(spec.getLoadBalancer())) {
            balancer = previous.balancer();
        } else {
            try {
                balancer = LoadBalancer.of(spec, stats);
            } catch (IllegalArgumentException e) {
                balancer =
                        null; // a balancer a newer writer knows: round robin until this node knows
                // it too
            }
        }
        int maxRequests = spec.getCircuitBreaker().getMaxRequests();
        RequestLimit limit =
                maxRequests > 0
                        ? RequestLimit.of(
                                maxRequests,
                                inflight.computeIfAbsent(service, k -> new AtomicInteger()))
                        : RequestLimit.UNLIMITED;
        long timeout = spec.getConnectTimeoutMillis();
        int connectTimeout = timeout <= 0 ? 0 : (int) Math.min(timeout, Integer.MAX_VALUE);
        OutlierPolicy outlier;
        RetryBudgetPolicy budget;
        try {
            outlier =
                    spec.hasOutlierDetection()
                            ? OutlierPolicy.of(spec.getOutlierDetection())
                            : OutlierPolicy.DEFAULT;
            budget = RetryBudgetPolicy.of(spec);
        } catch (IllegalArgumentException e) {
            // the reader validated the spec; a value out of range here came from elsewhere: the
            // defaults
            outlier = OutlierPolicy.DEFAULT;
            budget = RetryBudgetPolicy.DEFAULT;
        }
        ConnectionLimit connectionLimit =
                ConnectionLimit.of(
                        spec.getCircuitBreaker().getMaxConnections(),
                        spec.getCircuitBreaker().getMaxPending(),
                        connections.computeIfAbsent(service, k -> new ConnectionLimit.Counters()));
        return new Destination(
                spec,
                balancer,
                connectTimeout,
                limit,
                outlier,
                RetryBudget.of(budget, window(service)),
                connectionLimit);
    }

    private RetryWindow window(String service) {
        return windows.computeIfAbsent(service, k -> RetryWindow.create());
    }
}
