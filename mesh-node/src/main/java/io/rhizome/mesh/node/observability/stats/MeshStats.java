package io.rhizome.mesh.node.observability.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figures of several nodes merged: counts are summed, histograms added bucket by bucket (so the
 * percentiles are the mesh's, not averages of the nodes'), and the rate is the sum of each node's
 * rate over the time its figures cover.
 */
public final class MeshStats {
    /** One merged key. */
    public record Row(
            String kind,
            String direction,
            String service,
            String route,
            String caller,
            String callerKind,
            long requests,
            long failures,
            long refused,
            long bytes,
            double rps,
            double bytesPerSecond,
            long[] latency) {

        /** Share of non-5xx answers, 0..1; 1 when there were no requests. */
        public double successRate() {
            return requests == 0 ? 1.0 : (double) (requests - failures) / requests;
        }

        public double percentileMillis(double quantile) {
            return LatencyHistogram.quantileMillis(latency, quantile);
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();

    /** Adds one node's answer. */
    public MeshStats add(NodeStats node) {
        double seconds = Math.max(1, node.coveredMillis()) / 1000.0;
        for (StatRow r : node.rows()) {
            Row old = rows.get(r.key());
            long[] latency = new long[LatencyHistogram.BUCKETS];
            LatencyHistogram.addInto(latency, r.latency());
            double rps = r.requests() / seconds;
            double bps =
                    r.bytes() / seconds; // a rate like rps: each node's over the time it covers,
            // summed
            if (old != null) {
                LatencyHistogram.addInto(latency, old.latency());
                rows.put(
                        r.key(),
                        new Row(
                                r.kind(),
                                r.direction(),
                                r.service(),
                                r.route(),
                                r.caller(),
                                r.callerKind(),
                                old.requests() + r.requests(),
                                old.failures() + r.failures(),
                                old.refused() + r.refused(),
                                old.bytes() + r.bytes(),
                                old.rps() + rps,
                                old.bytesPerSecond() + bps,
                                latency));
            } else {
                rows.put(
                        r.key(),
                        new Row(
                                r.kind(),
                                r.direction(),
                                r.service(),
                                r.route(),
                                r.caller(),
                                r.callerKind(),
                                r.requests(),
                                r.failures(),
                                r.refused(),
                                r.bytes(),
                                rps,
                                bps,
                                latency));
            }
        }
        return this;
    }

    /**
     * Rows of {@code kind} and {@code direction} ({@code ""} for both directions), by service,
     * route, caller.
     */
    public List<Row> rows(String kind, String direction) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows.values()) {
            if (r.kind().equals(kind) && (direction.isEmpty() || r.direction().equals(direction))) {
                out.add(r);
            }
        }
        out.sort(
                Comparator.comparing(Row::service)
                        .thenComparing(Row::direction)
                        .thenComparing(Row::route)
                        .thenComparing(Row::caller));
        return out;
    }
}
