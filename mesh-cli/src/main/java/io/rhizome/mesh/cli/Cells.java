package io.rhizome.mesh.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** How values read in a table cell. */
final class Cells {

    private Cells() {}

    /** {@code 45s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}; {@code -} when unknown (≤ 0). */
    static String duration(long seconds) {
        if (seconds <= 0) {
            return "-";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format("%dm%02ds", seconds / 60, seconds % 60);
        }
        if (seconds < 86_400) {
            return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format("%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600);
    }

    /**
     * How long ago an ISO-8601 instant was, in its largest unit: {@code 12s}, {@code 3m}, {@code
     * 2h}, {@code 4d}; {@code -} when missing or unreadable; {@code 0s} when in the future.
     */
    static String age(String writtenAt, Instant now) {
        if (writtenAt == null || writtenAt.isBlank()) {
            return "-";
        }
        Instant then;
        try {
            then = OffsetDateTime.parse(writtenAt.strip()).toInstant();
        } catch (DateTimeParseException e) {
            return "-";
        }
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h";
        }
        return seconds / 86_400 + "d";
    }

    /** {@code a,b,c}; empty prints as {@code -}. */
    static String list(List<String> values) {
        return String.join(",", values);
    }

    /** {@code k=v,k=v} sorted by key; empty prints as {@code -}. */
    static String labels(Map<String, String> labels) {
        return new TreeMap<>(labels)
                .entrySet().stream()
                        .map(label -> label.getKey() + "=" + label.getValue())
                        .collect(Collectors.joining(","));
    }

    static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }
}
