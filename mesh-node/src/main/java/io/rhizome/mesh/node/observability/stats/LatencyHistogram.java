package io.rhizome.mesh.node.observability.stats;

/**
 * The bucket layout of latency histograms: log-linear over microseconds, HdrHistogram style. Values
 * below 8 µs have a bucket each; above, every power of two is split into 8 equal buckets (at most
 * 12.5% wide), up to 2^31 µs (about 36 minutes); larger values land in the last bucket. Histograms
 * with this layout merge by adding their arrays, so percentiles of a whole mesh are computed from
 * merged counts, never by averaging percentiles.
 */
public final class LatencyHistogram {
    static final int SUB_BUCKETS = 8;
    static final int MAX_EXPONENT = 30;

    /** Number of buckets: 232. */
    public static final int BUCKETS = SUB_BUCKETS + (MAX_EXPONENT - 2) * SUB_BUCKETS;

    private LatencyHistogram() {}

    /** The bucket of a latency in microseconds (negative counts as 0). */
    public static int bucketOf(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) Math.max(0, micros);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> (exponent - 3)) & (SUB_BUCKETS - 1);
        return SUB_BUCKETS + (exponent - 3) * SUB_BUCKETS + sub;
    }

    /** Smallest value of bucket {@code index}, in microseconds. */
    static long lowerBound(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int exponent = (index - SUB_BUCKETS) / SUB_BUCKETS + 3;
        int sub = (index - SUB_BUCKETS) % SUB_BUCKETS;
        return (long) (SUB_BUCKETS + sub) << (exponent - 3);
    }

    /** One past the largest value of bucket {@code index}, in microseconds. */
    static long upperBound(int index) {
        return index + 1 < BUCKETS ? lowerBound(index + 1) : lowerBound(index) * 2;
    }

    /**
     * The {@code quantile} (0..1) of the counts, in milliseconds, interpolated linearly within the
     * bucket the rank falls in (as Prometheus' {@code histogram_quantile} does); 0 when empty.
     */
    public static double quantileMillis(long[] counts, double quantile) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        double rank = Math.max(1, Math.ceil(quantile * total));
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            long c = counts[i];
            if (c > 0 && below + c >= rank) {
                double lo = lowerBound(i);
                double hi = upperBound(i);
                double micros = lo + (hi - lo) * ((rank - below) / c);
                return micros / 1000.0;
            }
            below += c;
        }
        return upperBound(counts.length - 1) / 1000.0;
    }

    /** Adds {@code from} into {@code into} (same layout). */
    public static void addInto(long[] into, long[] from) {
        for (int i = 0; i < Math.min(into.length, from.length); i++) {
            into[i] += from[i];
        }
    }
}
