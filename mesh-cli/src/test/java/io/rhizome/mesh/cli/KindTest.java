package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KindTest {

    @Test
    void readsNamesPluralsAndAliases() {
        assertThat(Kind.parse("Route")).contains(Kind.ROUTE);
        assertThat(Kind.parse("routes")).contains(Kind.ROUTE);
        assertThat(Kind.parse("DP")).contains(Kind.DESTINATION_POLICY);
        assertThat(Kind.parse("destination-policies")).contains(Kind.DESTINATION_POLICY);
        assertThat(Kind.parse("rate_limit")).contains(Kind.RATE_LIMIT);
        assertThat(Kind.parse("authz")).contains(Kind.AUTHORIZATION);
        assertThat(Kind.parse("pods")).isEmpty();
        assertThat(Kind.parse("s")).isEmpty();
        assertThat(Kind.parse("")).isEmpty();
    }

    @Test
    void namesItsSegmentAndCanonicalName() {
        assertThat(Kind.DESTINATION_POLICY.segment()).isEqualTo("destinationpolicy");
        assertThat(Kind.DESTINATION_POLICY.canonical()).isEqualTo("DestinationPolicy");
    }
}
