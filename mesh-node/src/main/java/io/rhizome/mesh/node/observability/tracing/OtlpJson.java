package io.rhizome.mesh.node.observability.tracing;

import io.rhizome.mesh.node.observability.RequestRecord;
import java.util.List;

/**
 * An OTLP/HTTP JSON {@code ExportTraceServiceRequest} for a batch of spans, one per request hop
 * (ids in hex, times in nanoseconds as strings, as the OTLP JSON mapping says).
 */
final class OtlpJson {
    private static final int SPAN_KIND_SERVER = 2;
    private static final int SPAN_KIND_CLIENT = 3;
    private static final int STATUS_ERROR = 2;

    private OtlpJson() {}

    static String request(String node, String serviceName, List<RequestRecord> spans) {
        StringBuilder b = new StringBuilder(256 + spans.size() * 600);
        b.append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
        attribute(b, "service.name", serviceName.isEmpty() ? "rhizome" : serviceName);
        b.append(',');
        attribute(b, "service.instance.id", node);
        b.append("]},\"scopeSpans\":[{\"scope\":{\"name\":\"io.rhizome.mesh\"},\"spans\":[");
        for (int i = 0; i < spans.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            span(b, spans.get(i));
        }
        b.append("]}]}]}");
        return b.toString();
    }

    private static void span(StringBuilder b, RequestRecord r) {
        boolean outbound = r.direction() == RequestRecord.Direction.OUTBOUND;
        long start = r.startMillis() * 1_000_000L;
        b.append("{\"traceId\":\"")
                .append(r.traceId())
                .append("\",\"spanId\":\"")
                .append(r.spanId())
                .append('"');
        if (!r.parentSpanId().isEmpty()) {
            b.append(",\"parentSpanId\":\"").append(r.parentSpanId()).append('"');
        }
        b.append(",\"name\":");
        string(
                b,
                r.direction().label()
                        + " "
                        + (r.service().isEmpty() ? r.authority() : r.service())
                        + (r.route().isEmpty() ? "" : " " + r.route()));
        b.append(",\"kind\":").append(outbound ? SPAN_KIND_CLIENT : SPAN_KIND_SERVER);
        b.append(",\"startTimeUnixNano\":\"").append(start).append('"');
        b.append(",\"endTimeUnixNano\":\"").append(start + r.durationNanos()).append('"');
        b.append(",\"attributes\":[");
        attribute(b, "http.request.method", r.method());
        b.append(',');
        attribute(b, "url.path", r.path());
        b.append(',');
        attribute(b, "server.address", r.authority());
        b.append(",{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"")
                .append(r.status())
                .append("\"}}");
        optional(b, "rhizome.service", r.service());
        optional(b, "rhizome.route", r.route());
        optional(b, "rhizome.upstream", r.upstream());
        optional(b, "rhizome.caller", r.caller());
        optional(b, "rhizome.error", r.error());
        optional(b, "rhizome.flags", r.flags());
        if (r.grpcStatus() >= 0) {
            // OpenTelemetry's RPC conventions: the path of a gRPC call is /service/method.
            int slash = r.path().indexOf('/', 1);
            b.append(',');
            attribute(b, "rpc.system", "grpc");
            if (slash > 1) {
                optional(b, "rpc.service", r.path().substring(1, slash));
                optional(b, "rpc.method", r.path().substring(slash + 1));
            }
            b.append(",{\"key\":\"rpc.grpc.status_code\",\"value\":{\"intValue\":\"")
                    .append(r.grpcStatus())
                    .append("\"}}");
        }
        b.append(']');
        if (r.failed()) {
            b.append(",\"status\":{\"code\":").append(STATUS_ERROR).append('}');
        }
        b.append('}');
    }

    private static void optional(StringBuilder b, String key, String value) {
        if (!value.isEmpty()) {
            b.append(',');
            attribute(b, key, value);
        }
    }

    private static void attribute(StringBuilder b, String key, String value) {
        b.append("{\"key\":\"").append(key).append("\",\"value\":{\"stringValue\":");
        string(b, value);
        b.append("}}");
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
