package io.rhizome.mesh.pki;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * SPIFFE id patterns: '*' within one segment, everything else literal; when two patterns share an
 * identity.
 */
class IdentityPatternTest {

    private static boolean matches(String pattern, String id) {
        return new IdentityPattern(pattern).matches(id);
    }

    private static boolean overlap(String a, String b) {
        return new IdentityPattern(a).overlaps(new IdentityPattern(b));
    }

    @Test
    void aStarMatchesWithinItsSegmentOnlyAndEverythingElseLiterally() {
        assertThat(
                        matches(
                                "spiffe://example.org/service/ord*",
                                "spiffe://example.org/service/orders"))
                .isTrue();
        assertThat(matches("spiffe://example.org/service/*", "spiffe://example.org/service/web"))
                .isTrue();
        assertThat(
                        matches(
                                "spiffe://example.org/service/ord*",
                                "spiffe://example.org/service/orders/x"))
                .isFalse();
        assertThat(matches("spiffe://example.org/service/*s", "spiffe://example.org/service/web"))
                .isFalse();
        assertThat(matches("spiffe://example.org/service/web", "spiffe://exampleXorg/service/web"))
                .as("'.' is literal")
                .isFalse();
        assertThat(matches("spiffe://example.org/service/web", "spiffe://example.org/service/web2"))
                .isFalse();
    }

    @Test
    void patternsOverlapWhenOneIdentityMatchesBoth() {
        assertThat(overlap("spiffe://d/service/ops-*", "spiffe://d/service/*-alice")).isTrue();
        assertThat(overlap("spiffe://d/service/ops-*", "spiffe://d/service/*")).isTrue();
        assertThat(overlap("spiffe://d/service/ops-*", "spiffe://d/service/ops")).isFalse();
        assertThat(overlap("spiffe://d/service/ops-*", "spiffe://d/service/web-*")).isFalse();
        assertThat(overlap("spiffe://d/service/a*b", "spiffe://d/service/*c")).isFalse();
        assertThat(overlap("spiffe://d/service/orders", "spiffe://d/service/orders")).isTrue();
        assertThat(overlap("spiffe://d/service/orders", "spiffe://e/service/orders")).isFalse();
    }

    @Test
    void theServiceFormIsOneTrustDomainAndAServiceNameWithStars() {
        assertThat(IdentityPattern.isServicePattern("spiffe://example_org.x/service/ops-*"))
                .isTrue();
        assertThat(IdentityPattern.isServicePattern("spiffe://*/service/ops")).isFalse();
        assertThat(IdentityPattern.isServicePattern("ops")).isFalse();
        assertThat(IdentityPattern.isServicePattern(null)).isFalse();
    }
}
