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

    private Deadline() {}

    /** What a request's deadline header says. */
    public sealed interface Parsed permits Absent, Remaining, Expired, Invalid {}

    /** No header: no deadline from the caller. */
    public record Absent() implements Parsed {}

    /** The caller waits at most {@code millis} (1..{@link #MAX_MILLIS}) more milliseconds. */
    public record Remaining(long millis) implements Parsed {}

    /**
     * The caller's deadline has already passed (0 or less): answer 504 at once, forward nothing.
     */
    public record Expired(long millis) implements Parsed {}

    /**
     * Not an integer number of milliseconds in range: {@code message} names the header and the
     * expected form.
     */
    public record Invalid(String message) implements Parsed {}

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

    /** gRPC's deadline header: the caller's remaining time as digits and a unit. */
    public static final String GRPC_HEADER = "grpc-timeout";

    /**
     * What a {@code grpc-timeout} value says (gRPC over HTTP/2: 1 to 8 digits and a unit, H M S m u
     * n). A deadline longer than {@link #MAX_MILLIS} is capped to it: gRPC clients send far-off
     * defaults.
     */
    public static Parsed parseGrpcTimeout(String value) {
        if (value == null) {
            return ABSENT;
        }
        int n = value.length();
        if (n < 2 || n > 9) {
            return invalidGrpc(value);
        }
        long amount = 0;
        for (int i = 0; i < n - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return invalidGrpc(value);
            }
            amount = amount * 10 + (c - '0');
        }
        long nanosPerUnit =
                switch (value.charAt(n - 1)) {
                    case 'H' -> 3_600_000_000_000L;
                    case 'M' -> 60_000_000_000L;
                    case 'S' -> 1_000_000_000L;
                    case 'm' -> 1_000_000L;
                    case 'u' -> 1_000L;
                    case 'n' -> 1L;
                    default -> -1L;
                };
        if (nanosPerUnit < 0) {
            return invalidGrpc(value);
        }
        if (amount == 0) {
            return new Expired(0);
        }
        // Rounded up: a deadline of 500 microseconds is not one already passed.
        long millis =
                amount > MAX_MILLIS * 1_000_000L / nanosPerUnit
                        ? MAX_MILLIS
                        : Math.min(MAX_MILLIS, (amount * nanosPerUnit + 999_999L) / 1_000_000L);
        return new Remaining(millis);
    }

    /**
     * The {@code grpc-timeout} value for the next hop: what is left until {@code deadlineNanos}, in
     * milliseconds.
     */
    public static String formatGrpc(long deadlineNanos, long nowNanos) {
        return format(deadlineNanos, nowNanos) + "m";
    }

    /** The earlier of two deadlines (either may be absent). */
    public static Parsed earlier(Parsed a, Parsed b) {
        if (a instanceof Invalid || a instanceof Expired || b instanceof Absent) {
            return a;
        }
        if (b instanceof Invalid || b instanceof Expired || a instanceof Absent) {
            return b;
        }
        return ((Remaining) a).millis() <= ((Remaining) b).millis() ? a : b;
    }

    private static Invalid invalidGrpc(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return new Invalid(
                GRPC_HEADER
                        + ": \""
                        + shown
                        + "\" (expected: 1 to 8 digits and a unit, H M S m u n, as in 250m)");
    }

    private static Invalid invalid(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return new Invalid(
                HEADER
                        + ": \""
                        + shown
                        + "\" (expected: an integer number of milliseconds, 1.."
                        + MAX_MILLIS
                        + ")");
    }

    /**
     * The caller's deadline in milliseconds, 0 when it gave none (or it is not {@link Remaining}).
     */
    public static long millis(Parsed parsed) {
        return parsed instanceof Remaining r ? r.millis() : 0L;
    }

    /**
     * The header value for the next hop: the milliseconds left until {@code deadlineNanos} ({@link
     * System#nanoTime()} based), at least 1 (the local timer answers when none is left).
     */
    public static String format(long deadlineNanos, long nowNanos) {
        long left = (deadlineNanos - nowNanos) / 1_000_000L;
        return Long.toString(Math.max(1L, Math.min(MAX_MILLIS, left)));
    }
}
