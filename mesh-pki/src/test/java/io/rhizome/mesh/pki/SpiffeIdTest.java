package io.rhizome.mesh.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpiffeIdTest {
    @Test
    void parsesAServiceId() {
        SpiffeId id = SpiffeId.parse("spiffe://example.org/service/orders");
        assertThat(id.trustDomain()).isEqualTo("example.org");
        assertThat(id.service()).isEqualTo("orders");
        assertThat(id).hasToString("spiffe://example.org/service/orders");
    }

    @Test
    void refusesWhatIsNotASpiffeId() {
        assertThatThrownBy(() -> SpiffeId.parse("https://example.org/x"))
                .hasMessageContaining("expected: a SPIFFE id");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://Example.ORG/x"))
                .hasMessageContaining("trust domain");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://example.org/a/../b"))
                .hasMessageContaining("path segments");
    }

    @Test
    void checksServiceNamesAndTrustDomains() {
        assertThatThrownBy(() -> SpiffeId.forService("example.org", "Orders"))
                .hasMessage(
                        "service: \"Orders\" (expected: lower-case letters, digits and '-', at most 63)");
        assertThatThrownBy(() -> SpiffeId.forService("exa mple", "orders"))
                .hasMessageStartingWith("trust domain: \"exa mple\"");
    }
}
