package io.rhizome.mesh.node.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.health.outlier.OutlierPolicy;
import io.rhizome.mesh.node.loadbalancing.EndpointStats;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.node.resilience.circuitbreaker.CircuitBreakerState;
import io.rhizome.mesh.node.resilience.retry.RetryBudgetPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DestinationPoliciesTest {

    @Test
    void aServiceWithoutAPolicyGetsTheDefault() {
        DestinationPolicies policies =
                DestinationPolicies.create(
                        PolicyViews.with(java.util.List.of()), EndpointStats.create());

        Destination d = policies.forService("orders");

        assertThat(d.spec()).isNull();
        assertThat(d.balancer()).isNull();
        assertThat(d.limit()).isSameAs(RequestLimit.UNLIMITED);
        assertThat(d.outlier()).isEqualTo(OutlierPolicy.DEFAULT);
        assertThat(d.budget().policy()).isEqualTo(RetryBudgetPolicy.DEFAULT);
        assertThat(policies.forService("orders")).as("one budget per service").isSameAs(d);
        assertThat(policies.forService("billing").budget()).isNotSameAs(d.budget());
    }

    @Test
    void outlierDetectionAndTheRetryBudgetComeFromThePolicyWithTheirDefaults() {
        PolicyView view =
                PolicyViews.fromHocon(
                        """
                resources = [
                  { kind = DestinationPolicy, name = orders, spec { service = orders,
                      outlier-detection { consecutive-errors = 3, base-ejection = 1s },
                      retry-budget { ratio = 0.1, min-per-second = 1 } } }
                  { kind = DestinationPolicy, name = billing, spec { service = billing, load-balancer = random } }
                ]
                """);
        DestinationPolicies policies = DestinationPolicies.create(view, EndpointStats.create());

        Destination orders = policies.forService("orders");
        assertThat(orders.outlier()).isEqualTo(new OutlierPolicy(3, Duration.ofSeconds(1), 50));
        assertThat(orders.budget().policy()).isEqualTo(new RetryBudgetPolicy(0.1, 1));
        Destination billing = policies.forService("billing");
        assertThat(billing.outlier()).isEqualTo(OutlierPolicy.DEFAULT);
        assertThat(billing.budget().policy()).isEqualTo(RetryBudgetPolicy.DEFAULT);
    }

    @Test
    void theOldestOfTwoPoliciesForOneServiceWins() {
        PolicyView view =
                PolicyViews.fromHocon(
                        """
                resources = [
                  { kind = DestinationPolicy, name = zz-first, spec { service = orders, load-balancer = random,
                                                                      connect-timeout = 300ms } }
                  { kind = DestinationPolicy, name = aa-second, spec { service = orders, load-balancer = least-request,
                                                                       connect-timeout = 2s } }
                ]
                """);
        Destination d =
                DestinationPolicies.create(view, EndpointStats.create()).forService("orders");

        assertThat(d.spec().getLoadBalancer()).isEqualTo("random");
        assertThat(d.connectTimeoutMillis()).isEqualTo(300);
        assertThat(d.limit()).isSameAs(RequestLimit.UNLIMITED);
    }

    @Test
    void circuitBreakerStateShowsEachLimitOpenWhileItIsReachedAndClosedAgainAfter() {
        PolicyView view =
                PolicyViews.fromHocon(
                        """
                resources = [
                  { kind = DestinationPolicy, name = orders, spec { service = orders,
                      circuit-breaker { max-requests = 2, max-connections = 3, max-pending = 1 } } }
                  { kind = DestinationPolicy, name = billing, spec { service = billing, load-balancer = random } }
                ]
                """);
        DestinationPolicies policies = DestinationPolicies.create(view, EndpointStats.create());
        assertThat(policies.circuitBreakers())
                .containsExactly(
                        new CircuitBreakerState("orders", "requests", 2, 0),
                        new CircuitBreakerState("orders", "connections", 3, 0),
                        new CircuitBreakerState("orders", "pending", 1, 0));

        RequestLimit limit = policies.forService("orders").limit();
        assertThat(limit.tryAcquire() && limit.tryAcquire()).isTrue();
        assertThat(policies.forService("orders").connections().tryStartPending()).isTrue();
        assertThat(policies.circuitBreakers())
                .filteredOn(CircuitBreakerState::open)
                .extracting(CircuitBreakerState::limit)
                .containsExactly("requests", "pending");

        limit.release();
        policies.forService("orders").connections().endPending();
        assertThat(policies.circuitBreakers())
                .noneMatch(CircuitBreakerState::open)
                .contains(new CircuitBreakerState("orders", "requests", 2, 1));
    }

    @Test
    void theSameSnapshotGivesTheSameDestination() {
        PolicyView view =
                PolicyViews.fromHocon(
                        """
                { kind = DestinationPolicy, name = orders, spec { service = orders, load-balancer = ring-hash,
                                                                  hash-on { header = x-user },
                                                                  circuit-breaker { max-requests = 2 } } }
                """);
        DestinationPolicies policies = DestinationPolicies.create(view, EndpointStats.create());

        Destination d = policies.forService("orders");
        assertThat(policies.forService("orders")).isSameAs(d);
        assertThat(d.balancer()).isNotNull();
        assertThat(d.limit().max()).isEqualTo(2);
    }

    @Test
    void maxRequestsTakesSlotsUpToItsLimit() {
        PolicyView view =
                PolicyViews.fromHocon(
                        """
                { kind = DestinationPolicy, name = orders, spec { service = orders, circuit-breaker { max-requests = 2 } } }
                """);
        RequestLimit limit =
                DestinationPolicies.create(view, EndpointStats.create())
                        .forService("orders")
                        .limit();

        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
        limit.release();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.inflight()).isEqualTo(2);
    }
}
