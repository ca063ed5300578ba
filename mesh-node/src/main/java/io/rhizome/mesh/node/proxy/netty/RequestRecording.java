package io.rhizome.mesh.node.proxy.netty;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.observability.RequestHeaders;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.observability.tracing.TraceContext;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.routing.RoutedRule;
import io.rhizome.mesh.node.security.PeerIdentity;

/**
 * What the proxy tells a connection's {@link RequestRecordBuilder} at the main steps of a request.
 */
final class RequestRecording {
    private RequestRecording() {}

    /** A request head arrived. Reads nothing from it unless someone observes. */
    static void start(
            RequestRecordBuilder record,
            ProxyContext context,
            Channel channel,
            boolean inbound,
            HttpRequest request) {
        boolean observing = !context.observers().isEmpty();
        record.start(
                observing, inbound ? Direction.INBOUND : Direction.OUTBOUND, System.nanoTime());
        if (!observing) {
            return;
        }
        record.request(
                request.method().name(),
                request.headers().get(HttpHeaderNames.HOST),
                request.uri());
        if (context.observers().wantsHeaders()) {
            record.headers(
                    RequestHeaders.capture(
                            request.headers())); // as the caller sent them, secrets redacted
        }
        if (inbound) {
            record.caller(channel.attr(PeerIdentity.ATTRIBUTE).get());
            // The calling node's route, as it told the instance's side (for figures per route on
            // both ends).
            record.route(routeName(request.headers().get(RateLimits.ROUTE_HEADER)));
        }
    }

    /** Where the request goes, once known (the target is now in origin form with its Host set). */
    static void target(
            RequestRecordBuilder record,
            HttpRequest request,
            String service,
            RoutedRule rule,
            boolean egress) {
        record.request(
                request.method().name(),
                request.headers().get(HttpHeaderNames.HOST),
                request.uri());
        if (service != null) {
            record.service(service);
        }
        if (rule != null) {
            record.route(rule.route());
        }
        if (egress) {
            record.flag(RequestFlags.EGRESS);
        }
    }

    /**
     * Continues the caller's W3C trace, or starts one, with a new span for this hop: the request
     * goes on with the new {@code traceparent}; {@code tracestate} goes on only with a valid one.
     */
    static void trace(RequestRecordBuilder record, ProxyContext context, HttpRequest request) {
        HttpHeaders h = request.headers();
        String incoming = h.get(TraceContext.TRACEPARENT);
        boolean valid = incoming != null && TraceContext.isValid(incoming);
        if (!valid) {
            h.remove(TraceContext.TRACESTATE);
        }
        String next = context.tracing().nextHop(incoming);
        h.set(TraceContext.TRACEPARENT, next);
        record.traceParent(
                next, valid && record.observing() ? TraceContext.spanId(incoming) : null);
    }

    /** The mesh answered the request itself. */
    static void localAnswer(RequestRecordBuilder record, ProxyErrors error, int bodyBytes) {
        record.status(error.status());
        record.error(error.reason());
        record.addResponseBytes(bodyBytes);
        switch (error) {
            case RATE_LIMITED -> record.flag(RequestFlags.RATE_LIMITED);
            case NO_ROUTE -> record.flag(RequestFlags.NO_ROUTE);
            case OVERFLOW -> record.flag(RequestFlags.OVERFLOW);
            case TIMEOUT -> record.flag(RequestFlags.TIMEOUT);
            default -> {}
        }
    }

    /** {@code orders/rules[1]} → {@code orders}; null → null. */
    static String routeName(String ruleId) {
        if (ruleId == null) {
            return null;
        }
        int slash = ruleId.indexOf("/rules[");
        return slash < 0 ? ruleId : ruleId.substring(0, slash);
    }
}
