package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The few most recent structures (hash ring, Maglev table, weighted schedule) built for a candidate
 * list, keyed by its endpoint ids in order. The selector builds a fresh list per request, so
 * identity would never match; ids from one mesh snapshot are the same String instances, so the
 * comparison is mostly reference checks. Several entries because a retry sees the set minus the
 * endpoints tried, and alternating between the two must not rebuild a table per request.
 */
final class CandidateCache<T> {
    static final int ENTRIES = 4;

    private record Entry<T>(String[] ids, T value) {}

    private final AtomicReference<List<Entry<T>>> entries = new AtomicReference<>(List.of());
    private final Function<List<MeshEndpoint>, T> build;

    CandidateCache(Function<List<MeshEndpoint>, T> build) {
        this.build = build;
    }

    /** The structure for {@code candidates}, built when none of the cached ones matches. */
    T get(List<MeshEndpoint> candidates) {
        List<Entry<T>> current = entries.get();
        for (Entry<T> e : current) {
            if (sameIds(e.ids, candidates)) {
                return e.value;
            }
        }
        String[] ids = new String[candidates.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = candidates.get(i).id();
        }
        T value = build.apply(candidates);
        List<Entry<T>> next = new ArrayList<>(ENTRIES);
        next.add(new Entry<>(ids, value));
        for (int i = 0; i < current.size() && next.size() < ENTRIES; i++) {
            next.add(current.get(i));
        }
        // Losing this race only costs another build later; readers never see a half-built entry.
        entries.compareAndSet(current, List.copyOf(next));
        return value;
    }

    /** How many structures are cached (tests). */
    int size() {
        return entries.get().size();
    }

    private static boolean sameIds(String[] ids, List<MeshEndpoint> candidates) {
        if (ids.length != candidates.size()) {
            return false;
        }
        for (int i = 0; i < ids.length; i++) {
            String id = candidates.get(i).id();
            if (ids[i] != id && !ids[i].equals(id)) {
                return false;
            }
        }
        return true;
    }
}
