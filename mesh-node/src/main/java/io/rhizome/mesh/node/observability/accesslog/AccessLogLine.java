package io.rhizome.mesh.node.observability.accesslog;

import io.rhizome.mesh.node.observability.RequestRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * One request as one JSON object on one line (keys kebab-case, as everywhere in Rhizome). Only what
 * the record holds: no header values besides the authority, no query strings, no bodies.
 *
 * <p>Formats straight into the writer's {@link LineBuffer} as UTF-8: the date part of {@code time}
 * is kept per second, so a line costs no {@code String}, no formatter and no boxing. Not thread
 * safe: one per writer thread.
 */
public final class AccessLogLine {
    private static final byte[] TIME = ascii("{\"time\":\"");
    private static final byte[] NODE = ascii("\",\"node\":\"");
    private static final byte[] TRACE_ID = ascii("\",\"trace-id\":\"");
    private static final byte[] DIRECTION = ascii("\",\"direction\":\"");
    private static final byte[] METHOD = ascii("\",\"method\":\"");
    private static final byte[] AUTHORITY = ascii("\",\"authority\":\"");
    private static final byte[] PATH = ascii("\",\"path\":\"");
    private static final byte[] STATUS = ascii("\",\"status\":");
    private static final byte[] DURATION = ascii(",\"duration-ms\":");
    private static final byte[] GRPC_STATUS = ascii(",\"grpc-status\":");
    private static final byte[] SERVICE = ascii(",\"service\":\"");
    private static final byte[] ROUTE = ascii("\",\"route\":\"");
    private static final byte[] SUBSET = ascii("\",\"subset\":\"");
    private static final byte[] UPSTREAM = ascii("\",\"upstream\":\"");
    private static final byte[] REQUEST_BYTES = ascii("\",\"request-bytes\":");
    private static final byte[] RESPONSE_BYTES = ascii(",\"response-bytes\":");
    private static final byte[] CALLER = ascii(",\"caller\":\"");
    private static final byte[] ERROR = ascii("\",\"error\":\"");
    private static final byte[] RETRIES = ascii("\",\"retries\":");
    private static final byte[] FLAGS = ascii(",\"flags\":[");
    private static final byte[] END = ascii("]}\n");

    private final String node;
    private long second = Long.MIN_VALUE;

    /** {@code time} up to its seconds ({@code 2026-11-26T10:12:01}) for {@link #second}. */
    private byte[] secondText;

    public AccessLogLine(String node) {
        this.node = node;
    }

    /** The line of {@code r} as a string, without its newline (tests, benchmarks). */
    public static String of(String node, RequestRecord r) {
        LineBuffer b = new LineBuffer(512);
        new AccessLogLine(node).append(r, b);
        String line = b.toString();
        return line.substring(0, line.length() - 1);
    }

    /** Appends the line of {@code r}, newline included. */
    public void append(RequestRecord r, LineBuffer b) {
        b.raw(TIME);
        time(r.startMillis(), b);
        b.raw(NODE);
        text(node, b);
        b.raw(TRACE_ID);
        text(r.traceId(), b);
        b.raw(DIRECTION);
        text(r.direction().label(), b);
        b.raw(METHOD);
        text(r.method(), b);
        b.raw(AUTHORITY);
        text(r.authority(), b);
        b.raw(PATH);
        text(r.path(), b);
        b.raw(STATUS).number(r.status());
        if (r.grpcStatus() >= 0) {
            b.raw(GRPC_STATUS)
                    .number(r.grpcStatus()); // gRPC calls only; their path names service and method
        }
        b.raw(DURATION);
        durationMillis(r.durationNanos(), b);
        b.raw(SERVICE);
        text(r.service(), b);
        b.raw(ROUTE);
        text(r.route(), b);
        b.raw(SUBSET);
        text(r.subset(), b);
        b.raw(UPSTREAM);
        text(r.upstream(), b);
        b.raw(REQUEST_BYTES).number(r.requestBytes());
        b.raw(RESPONSE_BYTES).number(r.responseBytes());
        b.raw(CALLER);
        text(r.caller(), b);
        b.raw(ERROR);
        text(r.error(), b);
        b.raw(RETRIES).number(r.retries());
        b.raw(FLAGS);
        String flags = r.flags();
        int from = 0;
        while (from < flags.length()) {
            int comma = flags.indexOf(',', from);
            int to = comma < 0 ? flags.length() : comma;
            if (from > 0) {
                b.raw((byte) ',');
            }
            b.raw((byte) '"').escaped(flags, from, to).raw((byte) '"');
            from = to + 1;
        }
        b.raw(END);
    }

    private static void text(String s, LineBuffer b) {
        b.escaped(s, 0, s.length());
    }

    /**
     * As {@link DateTimeFormatter#ISO_INSTANT} writes epoch milliseconds: {@code
     * 2026-11-26T10:12:01.532Z}, no fraction at .000.
     */
    private void time(long millis, LineBuffer b) {
        long sec = Math.floorDiv(millis, 1000);
        int ms = (int) Math.floorMod(millis, 1000);
        if (sec != second) {
            String s = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(sec));
            secondText = ascii(s.substring(0, s.length() - 1)); // without the "Z"
            second = sec;
        }
        b.raw(secondText);
        if (ms != 0) {
            b.raw((byte) '.').digits(ms, 3);
        }
        b.raw((byte) 'Z');
    }

    /**
     * Milliseconds with microsecond precision and no trailing zeros ({@code 1.284}, {@code 0.18},
     * {@code 12.0}).
     */
    private static void durationMillis(long nanos, LineBuffer b) {
        long micros = Math.round(nanos / 1_000.0);
        if (micros < 0) {
            b.raw((byte) '-');
            micros = -micros;
        }
        b.number(micros / 1000).raw((byte) '.');
        int frac = (int) (micros % 1000);
        if (frac == 0) {
            b.raw((byte) '0');
        } else if (frac % 100 == 0) {
            b.digits(frac / 100, 1);
        } else if (frac % 10 == 0) {
            b.digits(frac / 10, 2);
        } else {
            b.digits(frac, 3);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
