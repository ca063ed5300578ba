package io.rhizome.mesh.node.observability.tracing;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context (traceparent version 00) for one hop: each proxied request continues the trace
 * it arrives with, or starts one, and leaves with the same trace id and a new span id whose parent
 * is the incoming span. {@code tracestate} passes through untouched; it is dropped with an invalid
 * {@code traceparent}, as the specification asks. Ids come from {@link ThreadLocalRandom}.
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final double sampleRatio;

    private TraceContext(double sampleRatio) {
        if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new IllegalArgumentException("sampleRatio: " + sampleRatio + " (expected: 0..1)");
        }
        this.sampleRatio = sampleRatio;
    }

    /**
     * @param sampleRatio the share of the traces this node starts that are marked sampled
     */
    public static TraceContext create(double sampleRatio) {
        return new TraceContext(sampleRatio);
    }

    /**
     * The {@code traceparent} this hop sends on: the incoming trace with a new span id, or (the
     * header absent or invalid) a new trace. Chars 3..35 are the trace id, 36..52 the span id.
     */
    public String nextHop(CharSequence incoming) {
        char[] out = new char[55];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        out[35] = '-';
        out[52] = '-';
        if (incoming != null && isValid(incoming)) {
            for (int i = 3; i < 35; i++) {
                out[i] = incoming.charAt(i);
            }
            // Only the sampled bit is defined in version 00; the others are passed on as zero.
            int flags = Character.digit(incoming.charAt(54), 16) & 1;
            out[53] = '0';
            out[54] = HEX[flags];
        } else {
            long hi;
            long lo;
            do {
                hi = random.nextLong();
                lo = random.nextLong();
            } while (hi == 0 && lo == 0);
            hex(out, 3, hi);
            hex(out, 19, lo);
            out[53] = '0';
            out[54] = random.nextDouble() < sampleRatio ? '1' : '0';
        }
        long span;
        do {
            span = random.nextLong();
        } while (span == 0);
        hex(out, 36, span);
        return new String(out);
    }

    /** The trace id of a traceparent this class made (or any valid one). */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    /** The span id of a traceparent. */
    public static String spanId(String traceparent) {
        return traceparent.substring(36, 52);
    }

    /**
     * A version-00 traceparent as the specification parses it: {@code 2-32-16-2} lower-case hex,
     * ids not all zero, version not {@code ff}. A higher version is read by its version-00 prefix
     * when what follows starts with {@code -}.
     */
    public static boolean isValid(CharSequence h) {
        int n = h.length();
        if (n < 55) {
            return false;
        }
        if (!isHex(h, 0, 2) || (h.charAt(0) == 'f' && h.charAt(1) == 'f')) {
            return false;
        }
        boolean version00 = h.charAt(0) == '0' && h.charAt(1) == '0';
        if (version00 ? n != 55 : n > 55 && h.charAt(55) != '-') {
            return false;
        }
        return h.charAt(2) == '-'
                && h.charAt(35) == '-'
                && h.charAt(52) == '-'
                && isHex(h, 3, 35)
                && isHex(h, 36, 52)
                && isHex(h, 53, 55)
                && !allZero(h, 3, 35)
                && !allZero(h, 36, 52);
    }

    private static boolean isHex(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static void hex(char[] out, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
