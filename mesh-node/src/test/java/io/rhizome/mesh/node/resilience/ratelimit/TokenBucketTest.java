package io.rhizome.mesh.node.resilience.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void aFullBucketAdmitsItsBurstThenRefuses() {
        TokenBucket bucket = TokenBucket.create(10, 3, now::get);

        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire())
                .as("a token every 100ms")
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }

    @Test
    void tokensComeBackAtTheRateButNeverBeyondTheBurst() {
        TokenBucket bucket = TokenBucket.create(10, 3, now::get);
        for (int i = 0; i < 3; i++) {
            bucket.tryAcquire();
        }

        advanceMillis(250);
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire())
                .as("half a token left: 50ms to the next")
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(50));

        advanceMillis(60_000);
        int admitted = 0;
        while (bucket.tryAcquire() == 0) {
            admitted++;
        }
        assertThat(admitted).as("an idle minute refills the burst, no more").isEqualTo(3);
    }

    @Test
    void aRefusalTakesNothing() {
        TokenBucket bucket = TokenBucket.create(1, 1, now::get);
        bucket.tryAcquire();
        for (int i = 0; i < 5; i++) {
            assertThat(bucket.tryAcquire()).isPositive();
        }

        advanceMillis(1_000);
        assertThat(bucket.tryAcquire()).isZero();
    }

    @Test
    void retryAfterIsWholeSecondsUntilATokenAndAtLeastOne() {
        TokenBucket slow = TokenBucket.create(0.25, 1, now::get);
        slow.tryAcquire();
        long wait = slow.tryAcquire();
        RateLimitPolicy p = new RateLimitPolicy("slow", 0.25, 1, "", false);

        assertThat(new RateLimitDecision.Limited(p, wait).retryAfterSeconds()).isEqualTo(4);
        advanceMillis(2_500);
        assertThat(new RateLimitDecision.Limited(p, slow.tryAcquire()).retryAfterSeconds())
                .as("1.5s rounds up")
                .isEqualTo(2);

        TokenBucket fast = TokenBucket.create(100, 1, now::get);
        fast.tryAcquire();
        assertThat(new RateLimitDecision.Limited(p, fast.tryAcquire()).retryAfterSeconds())
                .as("10ms")
                .isEqualTo(1);
    }

    @Test
    void aClockReadBeforeAnotherThreadsUpdateRefillsNothing() {
        TokenBucket bucket = TokenBucket.create(10, 1, now::get);
        bucket.tryAcquire();
        now.addAndGet(-TimeUnit.MILLISECONDS.toNanos(500));

        assertThat(bucket.tryAcquire()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
