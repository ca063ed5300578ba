package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
  void listsAndLabelsAreCommaJoined() {
    assertThat(Cells.list(List.of("a", "b"))).isEqualTo("a,b");
    assertThat(Cells.labels(Map.of("zone", "eu", "app", "orders"))).isEqualTo("app=orders,zone=eu");
  }
}
