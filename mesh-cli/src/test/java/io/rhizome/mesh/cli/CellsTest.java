package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CellsTest {

    @Test
    void durationsReadLikeKubectl() {
        assertThat(Cells.duration(0)).isEqualTo("-");
        assertThat(Cells.duration(45)).isEqualTo("45s");
        assertThat(Cells.duration(192)).isEqualTo("3m12s");
        assertThat(Cells.duration(7500)).isEqualTo("2h05m");
        assertThat(Cells.duration(3 * 86_400 + 4 * 3600 + 59)).isEqualTo("3d04h");
    }

    @Test
    void agesReadInTheirLargestUnit() {
        Instant now = Instant.parse("2025-06-01T12:00:00Z");

        assertThat(Cells.age("2025-06-01T11:59:48Z", now)).isEqualTo("12s");
        assertThat(Cells.age("2025-06-01T11:56:30Z", now)).isEqualTo("3m");
        assertThat(Cells.age("2025-06-01T09:10:00Z", now)).isEqualTo("2h");
        assertThat(Cells.age("2025-05-28T11:00:00Z", now)).isEqualTo("4d");
        assertThat(Cells.age("2025-06-01T14:00:00+02:00", now)).isEqualTo("0s");
        assertThat(Cells.age("2025-06-01T12:00:05Z", now)).isEqualTo("0s");
        assertThat(Cells.age("yesterday", now)).isEqualTo("-");
        assertThat(Cells.age(null, now)).isEqualTo("-");
    }

    @Test
    void listsAndLabelsAreCommaJoined() {
        assertThat(Cells.list(List.of("a", "b"))).isEqualTo("a,b");
        assertThat(Cells.labels(Map.of("zone", "eu", "app", "orders")))
                .isEqualTo("app=orders,zone=eu");
    }
}
