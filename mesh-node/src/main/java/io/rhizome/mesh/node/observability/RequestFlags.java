package io.rhizome.mesh.node.observability;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the mesh did to a request, as bits while it runs and as the comma-separated {@link
 * RequestRecord#flags()} once it ends. The text of each combination is built once and cached, so
 * recording flags allocates nothing per request.
 */
public final class RequestFlags {
    /** At least one retry was sent (also a stale pooled connection's replay is not one). */
    public static final int RETRIED = 1;

    /** A route timeout or a per-try timeout fired. */
    public static final int TIMEOUT = 1 << 1;

    /** A try of this request ejected its endpoint (outlier detection). */
    public static final int EJECTED = 1 << 2;

    /** A RateLimit refused the request (429). */
    public static final int RATE_LIMITED = 1 << 3;

    /** The service has Routes and none matched (404 no-route). */
    public static final int NO_ROUTE = 1 << 4;

    /** The destination's circuit breaker was full (503 overflow). */
    public static final int OVERFLOW = 1 << 5;

    /** A retry was wanted but the destination's retry budget had none left. */
    public static final int RETRY_BUDGET_EXHAUSTED = 1 << 6;

    /** The caller closed the connection before the response ended. */
    public static final int CLIENT_ABORT = 1 << 7;

    /** The response broke off after it had started (the upstream closed or timed out mid-body). */
    public static final int TRUNCATED = 1 << 8;

    /** The endpoint was on this node: the local shortcut, without the inbound port. */
    public static final int LOCAL = 1 << 9;

    /** Not a mesh service: forwarded as a plain forward proxy (or a CONNECT tunnel). */
    public static final int EGRESS = 1 << 10;

    /**
     * A tunnel: a CONNECT (status 200) or an Upgrade such as WebSocket (status 101); recorded when
     * it opens or fails.
     */
    public static final int TUNNEL = 1 << 11;

    private static final String[] NAMES = {
        "retried",
        "timeout",
        "ejected",
        "rate-limited",
        "no-route",
        "overflow",
        "retry-budget-exhausted",
        "client-abort",
        "truncated",
        "local",
        "egress",
        "tunnel"
    };
    private static final AtomicReferenceArray<String> TEXT =
            new AtomicReferenceArray<>(1 << NAMES.length);

    private RequestFlags() {}

    /**
     * The text of {@code bits}: names in declaration order, comma separated; {@code ""} for none.
     */
    public static String text(int bits) {
        int index = bits & ((1 << NAMES.length) - 1);
        String s = TEXT.get(index);
        if (s == null) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < NAMES.length; i++) {
                if ((index & (1 << i)) != 0) {
                    if (b.length() > 0) {
                        b.append(',');
                    }
                    b.append(NAMES[i]);
                }
            }
            s = b.toString();
            TEXT.set(index, s);
        }
        return s;
    }

    /**
     * The bits of a flags text as {@link RequestRecord#flags()} holds it; unknown names are
     * ignored.
     */
    public static int bits(String text) {
        int bits = 0;
        if (text.isEmpty()) {
            return 0;
        }
        for (String name : text.split(",")) {
            for (int i = 0; i < NAMES.length; i++) {
                if (NAMES[i].equals(name.trim())) {
                    bits |= 1 << i;
                }
            }
        }
        return bits;
    }

    /**
     * Whether {@code flags} (a record's text) names {@code flag} (one of the names, e.g. {@code
     * "retried"}).
     */
    public static boolean has(String flags, String flag) {
        int from = 0;
        int n = flag.length();
        while (true) {
            int at = flags.indexOf(flag, from);
            if (at < 0) {
                return false;
            }
            boolean startOk = at == 0 || flags.charAt(at - 1) == ',';
            boolean endOk = at + n == flags.length() || flags.charAt(at + n) == ',';
            if (startOk && endOk) {
                return true;
            }
            from = at + 1;
        }
    }
}
