package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResourceKindTest {

    @Test
    void parsesAnyCaseAndKebabSpellings() {
        assertThat(ResourceKind.parse("Route")).contains(ResourceKind.ROUTE);
        assertThat(ResourceKind.parse("ROUTE")).contains(ResourceKind.ROUTE);
        assertThat(ResourceKind.parse("destinationpolicy"))
                .contains(ResourceKind.DESTINATION_POLICY);
        assertThat(ResourceKind.parse("destination-policy"))
                .contains(ResourceKind.DESTINATION_POLICY);
        assertThat(ResourceKind.parse("rate-limit")).contains(ResourceKind.RATE_LIMIT);
        assertThat(ResourceKind.parse("Authorization")).contains(ResourceKind.AUTHORIZATION);
    }

    @Test
    void refusesOtherWords() {
        assertThat(ResourceKind.parse("Routes")).isEmpty();
        assertThat(ResourceKind.parse("")).isEmpty();
    }

    @Test
    void printsCanonicallyAndAsAPathSegment() {
        assertThat(ResourceKind.DESTINATION_POLICY.canonical()).isEqualTo("DestinationPolicy");
        assertThat(ResourceKind.DESTINATION_POLICY.pathSegment()).isEqualTo("destinationpolicy");
        assertThat(ResourceKind.RATE_LIMIT.pathSegment()).isEqualTo("ratelimit");
        assertThat(ResourceKind.ROUTE.pathSegment()).isEqualTo("route");
    }
}
