package io.rhizome.mesh.node.observability.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void everyValueLandsInABucketThatContainsItAndAtMostAnEighthWide() {
        for (long v = 0; v < 5_000_000; v = v < 100 ? v + 1 : v * 11 / 10) {
            int b = LatencyHistogram.bucketOf(v);
            assertThat(LatencyHistogram.lowerBound(b)).isLessThanOrEqualTo(v);
            assertThat(LatencyHistogram.upperBound(b)).isGreaterThan(v);
            long width = LatencyHistogram.upperBound(b) - LatencyHistogram.lowerBound(b);
            assertThat(width).isLessThanOrEqualTo(Math.max(1, LatencyHistogram.lowerBound(b) / 8));
        }
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE))
                .isEqualTo(LatencyHistogram.BUCKETS - 1);
        assertThat(LatencyHistogram.bucketOf(-5)).isZero();
    }

    @Test
    void anEmptyHistogramHasZeroPercentiles() {
        assertThat(LatencyHistogram.quantileMillis(new long[LatencyHistogram.BUCKETS], 0.99))
                .isZero();
    }
}
