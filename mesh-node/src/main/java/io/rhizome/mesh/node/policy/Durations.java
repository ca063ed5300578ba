package io.rhizome.mesh.node.policy;

import java.time.Duration;

/** Prints durations the way users write them: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
final class Durations {

    private Durations() {}

    static String format(long millis) {
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis != 0 && millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    static String format(Duration d) {
        return format(d.toMillis());
    }

    static String range(Duration min, Duration max) {
        return "a duration " + format(min) + ".." + format(max);
    }
}
