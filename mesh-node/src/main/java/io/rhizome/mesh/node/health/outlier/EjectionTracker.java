package io.rhizome.mesh.node.health.outlier;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Passive outlier detection of this node (the caller's view): endpoints ejected by the data plane
 * itself, long before membership notices (architecture.md §4). A refused connection ejects an
 * endpoint at once; other failed tries (5xx, resets, per-try timeouts) eject it when {@code
 * consecutive-errors} come in a row. The n-th ejection lasts n × {@code base-ejection} (see {@link
 * OutlierPolicy}); the endpoint then takes traffic again, and its next failure before a success
 * ejects it again. At most {@code max-ejection-percent} of a service's endpoints are ejected at
 * once (two endpoints ejected concurrently may both pass the check; the selector's panic fallback
 * covers the rest).
 *
 * <p>Ejections are shared: each one is told to the {@link EjectionListener} (the node's {@link
 * EjectionGossipActor}, which tells the other nodes), and endpoints the other nodes ejected count
 * as ejected here too until their ejector's back-off ends ({@link SharedEjections}).
 *
 * <p>Lock-free: one {@link AtomicReference} of an immutable {@link OutlierState} per endpoint that
 * ever failed; time from an injectable nano clock.
 */
public final class EjectionTracker {
    private final ConcurrentHashMap<String, AtomicReference<OutlierState>> states =
            new ConcurrentHashMap<>();
    private final OutlierPolicy defaults;
    private final LongSupplier nanoClock;
    private final SharedEjections shared = new SharedEjections(System::currentTimeMillis);
    private volatile EjectionListener listener = EjectionListener.NONE;

    /**
     * @param baseEjection the base ejection of {@link #eject(String)}, which knows no policy
     */
    public EjectionTracker(Duration baseEjection, LongSupplier nanoClock) {
        this.defaults =
                new OutlierPolicy(
                        OutlierPolicy.DEFAULT.consecutiveErrors(),
                        baseEjection,
                        OutlierPolicy.DEFAULT.maxEjectionPercent());
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** Outlier detection with the default base ejection of 10 s and {@link System#nanoTime()}. */
    public static EjectionTracker create() {
        return create(System::nanoTime);
    }

    /** Outlier detection with the default base ejection of 10 s, on {@code nanoClock}. */
    static EjectionTracker create(LongSupplier nanoClock) {
        return new EjectionTracker(OutlierPolicy.DEFAULT.baseEjection(), nanoClock);
    }

    /**
     * Ejects the endpoint at once, with the tracker's base ejection and no max-ejection-percent.
     */
    public void eject(String endpointId) {
        refused(endpointId, defaults, List.of());
    }

    /**
     * The endpoint refused a connection: ejected at once, within the policy's max-ejection-percent
     * of {@code peers} (the service's endpoints), but always when no other endpoint of the service
     * is ejected: nothing was sent, and the selector's panic fallback still reaches it if it is the
     * last.
     */
    public EjectionDecision refused(
            String endpointId, OutlierPolicy policy, List<MeshEndpoint> peers) {
        return fail(endpointId, policy, peers, true);
    }

    /**
     * A try to the endpoint failed (5xx, reset, per-try timeout): counted against its threshold.
     */
    public EjectionDecision failed(
            String endpointId, OutlierPolicy policy, List<MeshEndpoint> peers) {
        return fail(endpointId, policy, peers, false);
    }

    /**
     * A try to the endpoint succeeded: its consecutive failures start over. A current ejection runs
     * its course; the back-off multiplier is forgiven once the endpoint has been back as long as it
     * was out.
     */
    public void succeeded(String endpointId) {
        AtomicReference<OutlierState> ref = states.get(endpointId);
        if (ref == null) {
            return; // the common case: an endpoint that never failed costs no allocation
        }
        long now = nanoClock.getAsLong();
        OutlierState s;
        OutlierState next;
        do {
            s = ref.get();
            next = s.succeeded(now);
        } while (next != s && !ref.compareAndSet(s, next));
        if (next == OutlierState.HEALTHY) {
            // A failure racing this removal may be lost: it counts one failure less, harmlessly.
            states.remove(endpointId, ref);
        }
    }

    /**
     * Ejected by this node's own outlier detection, or by another node's (see {@link #shared()}).
     */
    public boolean isEjected(String endpointId) {
        if (shared.isEjected(endpointId)) {
            return true;
        }
        if (states.isEmpty()) {
            return false;
        }
        AtomicReference<OutlierState> ref = states.get(endpointId);
        return ref != null && ref.get().ejectedAt(nanoClock.getAsLong());
    }

    /** The ejections other nodes shared with this one; they count in {@link #isEjected}. */
    public SharedEjections shared() {
        return shared;
    }

    /** Who hears of this node's ejections (one listener: the node's ejection gossip). */
    public void onEjection(EjectionListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** How many times the endpoint was ejected since it was last forgiven (0: never). */
    public int ejections(String endpointId) {
        AtomicReference<OutlierState> ref = states.get(endpointId);
        return ref == null ? 0 : ref.get().ejections();
    }

    private EjectionDecision fail(
            String endpointId, OutlierPolicy policy, List<MeshEndpoint> peers, boolean refused) {
        Objects.requireNonNull(policy, "policy");
        AtomicReference<OutlierState> ref =
                states.computeIfAbsent(
                        endpointId, k -> new AtomicReference<>(OutlierState.HEALTHY));
        long now = nanoClock.getAsLong();
        while (true) {
            OutlierState s = ref.get();
            if (s.ejectedAt(now)) {
                return EjectionDecision.ALREADY_EJECTED;
            }
            OutlierState counted = s.failed();
            EjectionDecision decision;
            OutlierState next;
            if (!refused && counted.failures() < policy.consecutiveErrors()) {
                decision = EjectionDecision.COUNTED;
                next = counted;
            } else if (mayEject(endpointId, policy, peers, refused, now)) {
                decision = EjectionDecision.EJECTED;
                next = counted.ejected(now, policy);
            } else {
                decision = EjectionDecision.SKIPPED_MAX_PERCENT;
                next = counted;
            }
            if (ref.compareAndSet(s, next)) {
                if (decision == EjectionDecision.EJECTED) {
                    listener.ejected(endpointId, (next.until() - now) / 1_000_000);
                }
                return decision;
            }
        }
    }

    /**
     * Runs only when an ejection is due, so scanning the service's endpoints is off the common
     * path.
     */
    private boolean mayEject(
            String endpointId,
            OutlierPolicy policy,
            List<MeshEndpoint> peers,
            boolean refused,
            long now) {
        if (peers.isEmpty()) {
            return true; // no service view (a bare eject): nothing to keep a share of
        }
        int ejected = 0;
        for (MeshEndpoint p : peers) {
            if (!p.id().equals(endpointId)) {
                AtomicReference<OutlierState> other = states.get(p.id());
                if (other != null && other.get().ejectedAt(now)) {
                    ejected++;
                }
            }
        }
        return policy.allows(ejected, peers.size()) || (refused && ejected == 0);
    }
}
