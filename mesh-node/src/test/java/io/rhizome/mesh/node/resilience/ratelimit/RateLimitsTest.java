package io.rhizome.mesh.node.resilience.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.PolicyViews;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {

    private final AtomicLong now = new AtomicLong();

    @Test
    void everyLimitOfTheServiceMustAdmit() {
        RateLimits limits =
                RateLimits.create(
                        PolicyViews.fromHocon(
                                """
                resources = [
                  { kind = RateLimit, name = wide, spec { service = orders, requests-per-second = 10, burst = 5 } }
                  { kind = RateLimit, name = narrow, spec { service = orders, requests-per-second = 1, burst = 2 } }
                ]
                """),
                        now::get);

        assertThat(limits.admit("orders", null, null)).isEqualTo(RateLimitDecision.ADMITTED);
        assertThat(limits.admit("orders", null, null)).isEqualTo(RateLimitDecision.ADMITTED);
        assertThat(limits.admit("orders", null, null))
                .isInstanceOfSatisfying(
                        RateLimitDecision.Limited.class,
                        l -> assertThat(l.policy().name()).isEqualTo("narrow"));
        assertThat(limits.admit("billing", null, null))
                .as("a service without limits")
                .isEqualTo(RateLimitDecision.ADMITTED);
    }

    @Test
    void aRouteScopedLimitCountsOnlyRequestsRoutedByThatRoute() {
        RateLimits limits =
                RateLimits.create(
                        PolicyViews.fromHocon(
                                """
                { kind = RateLimit, name = checkout, spec { service = orders, requests-per-second = 1, route = checkout } }
                """),
                        now::get);

        assertThat(limits.admit("orders", "checkout/rules[0]", null))
                .isEqualTo(RateLimitDecision.ADMITTED);
        assertThat(limits.admit("orders", "checkout/rules[1]", null))
                .isInstanceOf(RateLimitDecision.Limited.class);
        for (String other :
                new String[] {null, "checkouts/rules[0]", "checkout", "browse/rules[0]"}) {
            assertThat(limits.admit("orders", other, null))
                    .as("route %s", other)
                    .isEqualTo(RateLimitDecision.ADMITTED);
        }
    }

    @Test
    void perCallerLimitsGiveEachCallerItsOwnBucket() {
        RateLimits limits =
                RateLimits.create(
                        PolicyViews.fromHocon(
                                """
                { kind = RateLimit, name = each, spec { service = orders, requests-per-second = 1, per-caller = true } }
                """),
                        now::get);

        assertThat(limits.admit("orders", null, "10.0.0.1")).isEqualTo(RateLimitDecision.ADMITTED);
        assertThat(limits.admit("orders", null, "10.0.0.1"))
                .isInstanceOf(RateLimitDecision.Limited.class);
        assertThat(limits.admit("orders", null, "10.0.0.2")).isEqualTo(RateLimitDecision.ADMITTED);
    }

    @Test
    void bucketsSurviveASnapshotThatKeepsTheLimitAndRefillWhenItChanges() {
        String limit =
                "{ kind = RateLimit, name = l, spec { service = orders, requests-per-second = 1, burst = %d } }";
        String unrelated =
                "{ kind = RateLimit, name = other, spec { service = billing, requests-per-second = 5 } }";
        PolicyView view = PolicyViews.fromHocon(limit.formatted(1));
        RateLimits limits = RateLimits.create(view, now::get);
        limits.admit("orders", null, null);

        PolicyViews.publish(
                view,
                PolicyViews.fromHocon(
                        "resources = [ " + limit.formatted(1) + ", " + unrelated + " ]"));
        assertThat(limits.admit("orders", null, null))
                .as("same limit, same bucket")
                .isInstanceOf(RateLimitDecision.Limited.class);

        PolicyViews.publish(view, PolicyViews.fromHocon(limit.formatted(2)));
        assertThat(limits.admit("orders", null, null))
                .as("a new burst, a new bucket")
                .isEqualTo(RateLimitDecision.ADMITTED);

        PolicyViews.publish(view, PolicyViews.fromHocon(unrelated));
        for (int i = 0; i < 5; i++) {
            assertThat(limits.admit("orders", null, null))
                    .as("the limit was deleted")
                    .isEqualTo(RateLimitDecision.ADMITTED);
        }
    }
}
