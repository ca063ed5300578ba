package io.rhizome.mesh.node.resilience.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private final AtomicLong now = new AtomicLong(-3_500_000_000L);
    private final RetryWindow window = RetryWindow.create(now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private static int retriesAllowed(RetryBudget budget) {
        int n = 0;
        while (budget.tryRetry()) {
            n++;
        }
        return n;
    }

    @Test
    void withoutTrafficTheFloorAllowsMinPerSecondTimesTheWindow() {
        RetryBudget budget = RetryBudget.of(new RetryBudgetPolicy(0.2, 3), window);

        assertThat(retriesAllowed(budget)).isEqualTo(30);
    }

    @Test
    void retriesAddAtMostTheRatioOfRequests() {
        RetryBudget budget = RetryBudget.of(new RetryBudgetPolicy(0.1, 0), window);
        for (int i = 0; i < 200; i++) {
            budget.onRequest();
        }

        assertThat(retriesAllowed(budget)).isEqualTo(20);

        for (int i = 0; i < 10; i++) {
            budget.onRequest();
        }
        assertThat(retriesAllowed(budget)).as("ten more requests earn one more retry").isEqualTo(1);
    }

    @Test
    void ratioAndFloorAdd() {
        RetryBudget budget = RetryBudget.of(new RetryBudgetPolicy(0.25, 1), window);
        for (int i = 0; i < 100; i++) {
            budget.onRequest();
        }

        assertThat(retriesAllowed(budget)).isEqualTo(25 + 10);
    }

    @Test
    void requestsAndRetriesLeaveTheWindowAfterTenSeconds() {
        RetryBudget budget = RetryBudget.of(new RetryBudgetPolicy(0.5, 0), window);
        for (int i = 0; i < 100; i++) {
            budget.onRequest();
        }
        assertThat(retriesAllowed(budget)).isEqualTo(50);

        advance(Duration.ofSeconds(9));
        assertThat(budget.tryRetry()).as("still within the window").isFalse();

        advance(Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            budget.onRequest();
        }
        assertThat(retriesAllowed(budget)).as("only the newest requests count").isEqualTo(5);
    }

    @Test
    void theWindowSlidesBySeconds() {
        RetryBudget budget = RetryBudget.of(new RetryBudgetPolicy(1.0, 0), window);
        for (int s = 0; s < 10; s++) {
            budget.onRequest();
            advance(Duration.ofSeconds(1));
        }

        assertThat(retriesAllowed(budget)).as("the first second's request has left").isEqualTo(9);
    }

    @Test
    void aBudgetSharesItsCountersAcrossPolicyChanges() {
        RetryBudget before = RetryBudget.of(new RetryBudgetPolicy(0.0, 1), window);
        assertThat(retriesAllowed(before)).isEqualTo(10);

        RetryBudget after = RetryBudget.of(new RetryBudgetPolicy(0.0, 2), window);
        assertThat(retriesAllowed(after)).isEqualTo(10);
    }

    @Test
    void unlimitedAllowsEveryRetry() {
        for (int i = 0; i < 1000; i++) {
            assertThat(RetryBudget.UNLIMITED.tryRetry()).isTrue();
        }
    }

    @Test
    void aPolicyOutOfRangeIsRejectedNamingTheField() {
        assertThatThrownBy(() -> new RetryBudgetPolicy(1.5, 10))
                .hasMessage("retry-budget.ratio: 1.5 (expected: 0.0..1.0)");
    }
}
