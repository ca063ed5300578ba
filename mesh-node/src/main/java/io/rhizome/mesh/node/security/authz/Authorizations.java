package io.rhizome.mesh.node.security.authz;

import io.rhizome.mesh.node.policy.PolicySnapshot;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Authorizations of each local service under the current policy snapshot, compiled once per
 * snapshot (the first request that sees a new snapshot compiles it; a race compiles it twice,
 * harmlessly) and read without locks.
 *
 * <p>Semantics, order-independent like Istio's: a request that any matching rule of any of the
 * service's Authorizations denies is denied; otherwise one that any matching rule allows is
 * allowed; otherwise the default decides: deny when the mesh-wide switch ({@code
 * rhizome.authorization.default-deny}) is on or any of the service's Authorizations says {@code
 * default = deny}, else allow.
 *
 * <p>Paths are matched in their normalised form, with path parameters ({@code ;x}) of every segment
 * left out: {@code /admin;x/y} is matched as {@code /admin/y}, as servlet containers read it.
 */
public final class Authorizations {
    private static final Logger log = LoggerFactory.getLogger(Authorizations.class);
    private static final String KIND = "Authorization";
    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    private record Built(
            PolicySnapshot snapshot, Map<String, List<AuthorizationPolicy>> byService) {}

    private final PolicyView policy;
    private final boolean defaultDeny;
    private final AuthorizationStats stats = new AuthorizationStats();
    private final AtomicReference<Built> built = new AtomicReference<>(new Built(null, Map.of()));
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private final AtomicLong unlogged = new AtomicLong();

    private Authorizations(PolicyView policy, boolean defaultDeny) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.defaultDeny = defaultDeny;
    }

    /**
     * @param defaultDeny {@code rhizome.authorization.default-deny}: services without an allowing
     *     rule are closed
     */
    public static Authorizations create(PolicyView policy, boolean defaultDeny) {
        return new Authorizations(policy, defaultDeny);
    }

    public AuthorizationStats stats() {
        return stats;
    }

    /**
     * Decides, counts, and logs a denial (at most one line a second, with how many were not
     * logged).
     */
    public AuthorizationDecision check(String service, AuthzRequest request) {
        AuthorizationDecision d = decide(service, request);
        boolean allowed = d instanceof AuthorizationDecision.Allowed;
        stats.count(service, allowed);
        if (!allowed) {
            logDenial(service, request, (AuthorizationDecision.Denied) d);
        }
        return d;
    }

    AuthorizationDecision decide(String service, AuthzRequest request) {
        List<AuthorizationPolicy> policies = current().byService().get(service);
        if (policies == null) {
            return defaultDeny
                    ? new AuthorizationDecision.Denied("rhizome.authorization.default-deny")
                    : AuthorizationDecision.ALLOWED;
        }
        String path = withoutParameters(request.path());
        AuthorizationPolicy.Rule allowedBy = null;
        String closedBy = defaultDeny ? "rhizome.authorization.default-deny" : null;
        for (AuthorizationPolicy p : policies) {
            for (AuthorizationPolicy.Rule rule : p.rules()) {
                if (rule.allow() && allowedBy != null) {
                    continue;
                }
                if (rule.matches(request, path)) {
                    if (!rule.allow()) {
                        return new AuthorizationDecision.Denied(rule.id());
                    }
                    allowedBy = rule;
                }
            }
            if (!p.defaultAllow() && closedBy == null) {
                closedBy = "the default of Authorization " + p.name();
            }
        }
        if (allowedBy != null || closedBy == null) {
            return AuthorizationDecision.ALLOWED;
        }
        return new AuthorizationDecision.Denied(closedBy);
    }

    /** {@code /a;x/b;y=1} → {@code /a/b}; the same string when there is no {@code ;}. */
    static String withoutParameters(String path) {
        if (path.indexOf(';') < 0) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        boolean skipping = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/') {
                skipping = false;
            } else if (c == ';') {
                skipping = true;
            }
            if (!skipping) {
                b.append(c);
            }
        }
        return b.toString();
    }

    private void logDenial(
            String service, AuthzRequest request, AuthorizationDecision.Denied denied) {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last < LOG_INTERVAL_NANOS || !lastLog.compareAndSet(last, now)) {
            unlogged.incrementAndGet();
            return;
        }
        long more = unlogged.getAndSet(0);
        log.info(
                "denied {} {} to \"{}\" from {} ({}){}",
                request.method(),
                request.path(),
                service,
                request.caller() == null ? "a caller without identity" : request.caller(),
                denied.reason(),
                more > 0 ? "; " + more + " more denials since the last line" : "");
    }

    private Built current() {
        PolicySnapshot snapshot = policy.current();
        Built b = built.get();
        if (b.snapshot() != snapshot) {
            Built next = build(snapshot);
            built.compareAndSet(b, next);
            b = next;
        }
        return b;
    }

    private static Built build(PolicySnapshot snapshot) {
        Map<String, List<AuthorizationPolicy>> byService = new HashMap<>();
        for (Resource r : snapshot.live(KIND)) {
            if (!r.hasAuthorization()) {
                continue;
            }
            AuthorizationPolicy p;
            try {
                p = AuthorizationPolicy.of(r.getName(), r.getAuthorization());
            } catch (IllegalArgumentException e) {
                // The reader validated it; one that is broken anyway closes its service rather than
                // opening it.
                p = new AuthorizationPolicy(r.getName(), false, List.of());
            }
            byService
                    .computeIfAbsent(r.getAuthorization().getService(), k -> new ArrayList<>())
                    .add(p);
        }
        Map<String, List<AuthorizationPolicy>> frozen = new HashMap<>();
        byService.forEach((service, list) -> frozen.put(service, List.copyOf(list)));
        return new Built(snapshot, Map.copyOf(frozen));
    }
}
