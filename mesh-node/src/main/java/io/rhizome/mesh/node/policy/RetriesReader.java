package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Retries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A rule's {@code retries} block, with the documented defaults filled in. */
final class RetriesReader {

    /**
     * The last five retry a gRPC call whose answer (trailers-only) has that {@code grpc-status}.
     */
    static final List<String> CONDITIONS =
            List.of(
                    "connect-failure",
                    "5xx",
                    "gateway-error",
                    "reset",
                    "retriable-status-codes",
                    "cancelled",
                    "deadline-exceeded",
                    "internal",
                    "resource-exhausted",
                    "unavailable");

    static final List<String> DEFAULT_ON = List.of("connect-failure", "reset");
    static final long DEFAULT_BASE_MILLIS = 25;
    static final long DEFAULT_MAX_MILLIS = 250;

    private static final Set<String> KEYS =
            Set.of(
                    "attempts",
                    "per-try-timeout",
                    "on",
                    "retriable-status-codes",
                    "backoff",
                    "non-idempotent");
    private static final Set<String> BACKOFF_KEYS = Set.of("base", "max");
    private static final Duration MIN = Duration.ofMillis(1);
    private static final Duration MAX = Duration.ofHours(1);
    private static final String CODES = "a list of status codes 100..599";

    private RetriesReader() {}

    static Retries read(Fields r) {
        r.allowOnly(KEYS);
        Retries.Builder b =
                Retries.newBuilder()
                        .setAttempts(r.intIn("attempts", 0, 10, 0))
                        .setPerTryTimeoutMillis(r.millis("per-try-timeout", MIN, MAX, 0));
        List<String> on = on(r);
        b.addAllOn(on);
        for (Fields.Element e : r.list("retriable-status-codes", 0, Integer.MAX_VALUE, CODES)) {
            b.addRetriableStatusCodes(Fields.toInt(e.value(), e.path(), 100, 599));
        }
        if (on.contains("retriable-status-codes") && b.getRetriableStatusCodesCount() == 0) {
            String at = r.pathOf("retriable-status-codes");
            String expected = CODES + ", required when on has retriable-status-codes";
            if (!r.has("retriable-status-codes")) {
                throw ResourceError.missing(at, expected);
            }
            throw ResourceError.bad(at, r.value("retriable-status-codes", expected), expected);
        }
        backoff(r, b);
        return b.setNonIdempotent(r.bool("non-idempotent", false)).build();
    }

    private static List<String> on(Fields r) {
        if (!r.has("on")) {
            return DEFAULT_ON;
        }
        String expected = String.join(" | ", CONDITIONS);
        Set<String> on = new LinkedHashSet<>();
        for (Fields.Element e : r.list("on", 0, Integer.MAX_VALUE, "a list of " + expected)) {
            String s = Fields.scalar(e.value(), e.path(), expected);
            if (!CONDITIONS.contains(s)) {
                throw ResourceError.bad(e.path(), e.value(), expected);
            }
            if (!on.add(s)) {
                throw ResourceError.bad(e.path(), e.value(), "each condition once");
            }
        }
        return new ArrayList<>(on);
    }

    private static void backoff(Fields r, Retries.Builder b) {
        long base = DEFAULT_BASE_MILLIS;
        long max = DEFAULT_MAX_MILLIS;
        if (r.has("backoff")) {
            Fields f = r.object("backoff", "an object { base, max }").allowOnly(BACKOFF_KEYS);
            base = f.millis("base", MIN, MAX, base);
            max = f.millis("max", MIN, MAX, max);
            if (base > max) {
                // Name the field the user wrote; with base left at its default, that is max.
                if (f.has("base")) {
                    throw ResourceError.bad(
                            f.pathOf("base"),
                            f.value("base", ""),
                            "a duration no longer than max (" + Durations.format(max) + ")");
                }
                throw ResourceError.bad(
                        f.pathOf("max"),
                        f.value("max", ""),
                        "a duration no shorter than base (" + Durations.format(base) + ")");
            }
        }
        b.setBackoffBaseMillis(base).setBackoffMaxMillis(max);
    }
}
