package io.rhizome.mesh.node.observability.accesslog;

import io.rhizome.mesh.node.observability.RequestRecord;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * One request as one JSON object on one line (keys kebab-case, as everywhere in Rhizome). Only what
 * the record holds: no header values besides the authority, no query strings, no bodies.
 */
final class AccessLogLine {
    private AccessLogLine() {}

    static String of(String node, RequestRecord r) {
        StringBuilder b = new StringBuilder(384);
        b.append('{');
        field(b, "time", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(r.startMillis())));
        field(b, "node", node);
        field(b, "trace-id", r.traceId());
        field(b, "direction", r.direction().label());
        field(b, "method", r.method());
        field(b, "authority", r.authority());
        field(b, "path", r.path());
        number(b, "status", r.status());
        b.append("\"duration-ms\":").append(Math.round(r.durationNanos() / 1_000.0) / 1_000.0).append(',');
        field(b, "service", r.service());
        field(b, "route", r.route());
        field(b, "subset", r.subset());
        field(b, "upstream", r.upstream());
        number(b, "request-bytes", r.requestBytes());
        number(b, "response-bytes", r.responseBytes());
        field(b, "caller", r.caller());
        field(b, "error", r.error());
        number(b, "retries", r.retries());
        b.append("\"flags\":[");
        String flags = r.flags();
        if (!flags.isEmpty()) {
            int from = 0;
            while (true) {
                int comma = flags.indexOf(',', from);
                b.append('"').append(flags, from, comma < 0 ? flags.length() : comma).append('"');
                if (comma < 0) {
                    break;
                }
                b.append(',');
                from = comma + 1;
            }
        }
        b.append("]}");
        return b.toString();
    }

    private static void field(StringBuilder b, String key, String value) {
        b.append('"').append(key).append("\":\"");
        escape(b, value);
        b.append("\",");
    }

    private static void number(StringBuilder b, String key, long value) {
        b.append('"').append(key).append("\":").append(value).append(',');
    }

    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
