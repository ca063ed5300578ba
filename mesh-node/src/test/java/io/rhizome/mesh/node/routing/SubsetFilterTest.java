package io.rhizome.mesh.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A backend's subset selects the endpoints that carry all of its labels. */
class SubsetFilterTest {

    @Test
    void emptySubsetSelectsEveryEndpoint() {
        assertThat(SubsetFilter.all().matches(Map.of())).isTrue();
        assertThat(SubsetFilter.of(Map.of()).matches(Map.of("version", "v1"))).isTrue();
    }

    @Test
    void everyLabelMustBePresentWithTheSameValue() {
        SubsetFilter v2canary = SubsetFilter.of(Map.of("version", "v2", "track", "canary"));

        assertThat(v2canary.matches(Map.of("version", "v2", "track", "canary", "zone", "a")))
                .isTrue();
        assertThat(v2canary.matches(Map.of("version", "v2"))).isFalse();
        assertThat(v2canary.matches(Map.of("version", "v1", "track", "canary"))).isFalse();
        assertThat(v2canary.matches(Map.of("version", "V2", "track", "canary"))).isFalse();
    }

    @Test
    void filtersWithTheSameLabelsAreEqual() {
        assertThat(SubsetFilter.of(Map.of("version", "v2")))
                .isEqualTo(SubsetFilter.of(Map.of("version", "v2")));
        assertThat(SubsetFilter.of(Map.of())).isSameAs(SubsetFilter.all());
    }
}
