package io.rhizome.mesh.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds an aligned, kubectl-style table: upper-case headers, columns separated by three spaces,
 * {@code -} for an empty cell, no trailing spaces.
 */
final class Table {

    private static final String GAP = "   ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    private Table(List<String> headers) {
        this.headers = headers;
    }

    static Table withHeaders(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("headers: none (expected: at least one)");
        }
        return new Table(List.of(headers));
    }

    /** Adds a row; {@code null} or blank cells print as {@code -}. */
    Table row(Object... cells) {
        requireNonNull(cells, "cells");
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "cells: "
                            + cells.length
                            + " (expected: "
                            + headers.size()
                            + ", one per header)");
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toList());
        return this;
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printRow(out, headers, widths);
        for (List<String> row : rows) {
            printRow(out, row, widths);
        }
    }

    private static void printRow(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(cell);
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cell.length())).append(GAP);
            }
        }
        out.println(line.toString().stripTrailing());
    }

    private static String cell(Object value) {
        if (value == null) {
            return "-";
        }
        // One line per row, whatever the node sent.
        String text = value.toString().replaceAll("\\s+", " ").strip();
        return text.isEmpty() ? "-" : text;
    }
}
