package io.rhizome.mesh.node.resilience;

/**
 * Deadline propagation: the {@code x-rhizome-deadline-ms} request header carries the caller's
 * remaining time in milliseconds, relative so the nodes' clocks need not agree. Each hop subtracts
 * the time it has spent before forwarding, and answers 504 {@code timeout} when it runs out.
 */
public final class Deadline {
    /** The mesh's own header: never forwarded to an instance or out of the mesh. */
    public static final String HEADER = "x-rhizome-deadline-ms";
    /** The longest deadline accepted (one hour). */
    public static final long MAX_MILLIS = 3_600_000L;

    private Deadline() {
    }

    /** What a request's deadline header says. */
    public sealed interface Parsed permits Absent, Remaining, Expired, Invalid {
    }

    /** No header: no deadline from the caller. */
    public record Absent() implements Parsed {
    }

    /** The caller waits at most {@code millis} (1..{@link #MAX_MILLIS}) more milliseconds. */
    public record Remaining(long millis) implements Parsed {
    }

    /** The caller's deadline has already passed (0 or less): answer 504 at once, forward nothing. */
    public record Expired(long millis) implements Parsed {
    }

    /** Not an integer number of milliseconds in range: {@code message} names the header and the expected form. */
    public record Invalid(String message) implements Parsed {
    }

    private static final Absent ABSENT = new Absent();

    public static Parsed parse(String value) {
        if (value == null) {
            return ABSENT;
        }
        String v = value.trim();
        long ms;
        try {
            ms = Long.parseLong(v);
        } catch (NumberFormatException e) {
            return invalid(value);
        }
        if (ms <= 0) {
            return new Expired(ms);
        }
        if (ms > MAX_MILLIS) {
            return invalid(value);
        }
        return new Remaining(ms);
    }

    private static Invalid invalid(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return new Invalid(HEADER + ": \"" + shown + "\" (expected: an integer number of milliseconds, 1.." + MAX_MILLIS + ")");
    }

    /** The caller's deadline in milliseconds, 0 when it gave none (or it is not {@link Remaining}). */
    public static long millis(Parsed parsed) {
        return parsed instanceof Remaining r ? r.millis() : 0L;
    }

    /**
     * The header value for the next hop: the milliseconds left until {@code deadlineNanos}
     * ({@link System#nanoTime()} based), at least 1 (the local timer answers when none is left).
     */
    public static String format(long deadlineNanos, long nowNanos) {
        long left = (deadlineNanos - nowNanos) / 1_000_000L;
        return Long.toString(Math.max(1L, Math.min(MAX_MILLIS, left)));
    }
}
