package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void alignsColumnsAndShowsEmptyCellsAsDashes() {
        Table table =
                Table.withHeaders("NAME", "NOTE", "N").row("a-long-name", "", 1).row("b", null, 22);

        assertThat(render(table))
                .isEqualTo(
                        """
            NAME          NOTE   N
            a-long-name   -      1
            b             -      22
            """);
    }

    @Test
    void keepsEachRowOnOneLine() {
        assertThat(render(Table.withHeaders("A", "B").row("x\ny", "z")))
                .isEqualTo("A     B\nx y   z\n");
    }

    @Test
    void rejectsARowOfTheWrongWidth() {
        assertThatThrownBy(() -> Table.withHeaders("A", "B").row("only one"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cells: 1 (expected: 2, one per header)");
    }

    private static String render(Table table) {
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            table.print(out);
        }
        return text.toString().replace(System.lineSeparator(), "\n");
    }
}
