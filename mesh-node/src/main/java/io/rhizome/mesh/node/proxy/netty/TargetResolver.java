package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.config.NodeSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.routing.BackendPick;
import io.rhizome.mesh.node.routing.RouteBackend;
import io.rhizome.mesh.node.routing.RouteDecision;
import io.rhizome.mesh.node.routing.RoutedRule;
import io.rhizome.mesh.node.routing.SubsetFilter;
import java.util.List;

/**
 * The resolve and route stages: where a request goes, worked out from its target and Host (and, for
 * a mesh service, its Routes: the winning rule, its weighted backend, its request header edits).
 * The outbound port and the inbound port each have their resolver; both answer a {@link Target}.
 */
final class TargetResolver {
    /**
     * Names the service a request crossing to a peer is for when a Route sent it to another service
     * than its Host names (a backend {@code service = orders-legacy}); the peer's inbound port
     * serves that service. Set only by the mesh: the outbound port drops it from what apps send.
     */
    static final String SERVICE_HEADER = "x-rhizome-service";

    /**
     * Says that an HTTP/1.1 caller's request crossed to the peer over HTTP/2 ({@code
     * proxy.peer-protocol = http2}): the peer calls its instance over HTTP/1.1. Set only by the
     * mesh, dropped from what apps send.
     */
    static final String PROTOCOL_HEADER = "x-rhizome-protocol";

    static final String HTTP1 = "http/1.1";
    private static final String NOT_HTTP =
            "\"%s\" is a tcp service: it takes connections through an upstream listener"
                    + " (rhizome.upstreams), not HTTP requests";

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private TargetResolver() {}

    /**
     * Where a request goes: a mesh service, a fixed address (inbound, egress), or a local error.
     * {@code localService}: the service of this node an inbound request is for (its RateLimits
     * apply).
     */
    record Target(
            String service,
            HostPort address,
            String label,
            ProxyErrors error,
            String message,
            RoutedRule rule,
            SubsetFilter subset,
            String localService) {
        static Target error(ProxyErrors error, String message) {
            return new Target(null, null, null, error, message, null, SubsetFilter.all(), null);
        }

        static Target fixed(HostPort address, String label) {
            return new Target(null, address, label, null, null, null, SubsetFilter.all(), null);
        }

        static Target local(ServiceSettings service, String label) {
            return new Target(
                    null,
                    service.address(),
                    label,
                    null,
                    null,
                    null,
                    SubsetFilter.all(),
                    service.name());
        }
    }

    /**
     * The target of a request on the outbound port: a mesh service (its Routes applied), egress, or
     * an error. Takes the absolute-form target apart into origin form and Host, and adds
     * X-Forwarded-For.
     */
    static Target outbound(
            ProxyContext context,
            HttpRequest request,
            RequestRecordBuilder record,
            String clientIp) {
        NodeSettings s = context.settings();
        String uri = request.uri();
        String authority;
        String originForm;
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = uri.indexOf('/', 7);
            int query = uri.indexOf('?', 7);
            int end =
                    slash < 0
                            ? (query < 0 ? uri.length() : query)
                            : (query < 0 ? slash : Math.min(slash, query));
            authority = uri.substring(7, end);
            String rest = uri.substring(end);
            originForm = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1); // userinfo is never forwarded
            }
            request.setUri(originForm);
            request.headers().set(HttpHeaderNames.HOST, authority);
        } else if (uri.startsWith("/")) {
            authority = request.headers().get(HttpHeaderNames.HOST);
            if (authority == null || authority.isBlank()) {
                return Target.error(
                        ProxyErrors.BAD_REQUEST,
                        "missing Host header (expected: Host: <service> or an absolute http:// URI)");
            }
        } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            return Target.error(
                    ProxyErrors.BAD_REQUEST,
                    "https:// URIs go through a CONNECT tunnel (expected: http:// or CONNECT host:443)");
        } else {
            return Target.error(
                    ProxyErrors.BAD_REQUEST,
                    "request target \"" + uri + "\" (expected: /path or http://host/path)");
        }
        HostAndPort hp = HostAndPort.of(authority);
        if (hp == null) {
            return Target.error(
                    ProxyErrors.BAD_REQUEST,
                    "Host \"" + authority + "\" (expected: host or host:port)");
        }
        String suffix = s.outbound().meshSuffix();
        String name = hp.host();
        boolean suffixed = !suffix.isEmpty() && name.endsWith("." + suffix);
        if (suffixed) {
            name = name.substring(0, name.length() - suffix.length() - 1);
        }
        addForwardedFor(request, clientIp);
        request.headers()
                .remove(RateLimits.ROUTE_HEADER); // the mesh's own: set below only when a Route
        // routed it
        request.headers()
                .remove(SERVICE_HEADER); // the mesh's own: set toward a peer when a Route changed
        // the service
        request.headers().remove(PROTOCOL_HEADER);
        MeshSnapshot mesh = context.view().current();
        if (mesh.hasService(name) || context.policy().current().routes().hasRoutes(name)) {
            List<MeshEndpoint> endpoints = mesh.endpoints(name);
            if (!endpoints.isEmpty() && endpoints.get(0).tcp()) {
                return Target.error(ProxyErrors.BAD_REQUEST, NOT_HTTP.formatted(name));
            }
            return route(context, name, request, record);
        }
        if (suffixed || isBareName(name)) {
            return Target.error(
                    ProxyErrors.UNKNOWN_SERVICE, "no mesh service named \"" + name + "\"");
        }
        if (s.outbound().egress() == NodeSettings.Egress.DENY) {
            return Target.error(
                    ProxyErrors.EGRESS_DENIED,
                    "egress to \"" + hp.host() + "\" is denied (rhizome.outbound.egress = deny)");
        }
        int port = hp.port() < 0 ? 80 : hp.port();
        if (port == s.outbound().address().port()
                && (hp.host().equals(s.outbound().address().host())
                        || hp.host().equals("localhost")
                        || hp.host().startsWith("127.")
                        || hp.host().equals("::1"))) {
            return Target.error(
                    ProxyErrors.LOOP,
                    "the request is addressed to this proxy itself (" + authority + ")");
        }
        return Target.fixed(new HostPort(hp.host(), hp.port() < 0 ? 80 : hp.port()), "egress");
    }

    /**
     * Applies the service's Routes: the winning rule, its weighted backend, its request header
     * edits.
     */
    private static Target route(
            ProxyContext context,
            String service,
            HttpRequest request,
            RequestRecordBuilder record) {
        record.service(service);
        RouteDecision decision =
                context.policy().current().routes().match(service, new NettyRequestView(request));
        if (decision instanceof RouteDecision.NoRoute) {
            return Target.error(
                    ProxyErrors.NO_ROUTE,
                    "no rule of the Routes of \""
                            + service
                            + "\" matches "
                            + request.method()
                            + " "
                            + request.uri());
        }
        if (!(decision instanceof RouteDecision.Matched matched)) {
            return new Target(service, null, null, null, null, null, SubsetFilter.all(), null);
        }
        RoutedRule rule = matched.rule();
        if (!(rule.backends().pick() instanceof BackendPick.Picked picked)) {
            return Target.error(
                    ProxyErrors.NO_BACKEND, "every backend of " + rule.id() + " has weight 0");
        }
        RouteBackend backend = picked.backend();
        MeshSnapshot mesh = context.view().current();
        if (!context.selector().hasRoutable(mesh, backend.service(), backend.subset())) {
            // A backend with nothing to take traffic (a dead canary) must not fail its share.
            for (RouteBackend other : rule.backends().backends()) {
                if (other.weight() > 0
                        && context.selector().hasRoutable(mesh, other.service(), other.subset())) {
                    backend = other;
                    break;
                }
            }
        }
        HeaderEditor.apply(rule.requestHeaders(), request.headers());
        // The instance's inbound side scopes route-limited RateLimits by it.
        request.headers().set(RateLimits.ROUTE_HEADER, rule.id());
        return new Target(backend.service(), null, null, null, null, rule, backend.subset(), null);
    }

    /**
     * The target of a request on the inbound port: the service of this node its Host names, or an
     * error.
     */
    static Target inbound(ProxyContext context, HttpRequest request) {
        if (!request.uri().startsWith("/")) {
            return Target.error(
                    ProxyErrors.BAD_REQUEST,
                    "request target \"" + request.uri() + "\" (expected: /path)");
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        HostAndPort hp = host == null ? null : HostAndPort.of(host);
        if (hp == null) {
            return Target.error(
                    ProxyErrors.BAD_REQUEST,
                    "missing or malformed Host header (expected: Host: <service>)");
        }
        String name = context.serviceName(hp.host());
        String routedTo = request.headers().get(SERVICE_HEADER);
        if (routedTo != null) {
            name = routedTo; // a Route of the caller's node sent the request to another service
            // than its Host names
            request.headers().remove(SERVICE_HEADER);
        }
        ServiceSettings service = context.localService(name);
        if (service != null) {
            if (service.protocol() == ServiceSettings.Protocol.TCP) {
                return Target.error(ProxyErrors.BAD_REQUEST, NOT_HTTP.formatted(name));
            }
            return Target.local(
                    service, service.name() + " on node " + context.settings().nodeName());
        }
        return Target.error(
                ProxyErrors.UNKNOWN_SERVICE,
                "no instance of \"" + name + "\" on node " + context.settings().nodeName());
    }

    private static boolean isBareName(String host) {
        return host.indexOf('.') < 0 && host.indexOf(':') < 0 && !host.equals("localhost");
    }

    private static void addForwardedFor(HttpRequest request, String ip) {
        if (ip != null) {
            String previous = request.headers().get(X_FORWARDED_FOR);
            request.headers()
                    .set(
                            X_FORWARDED_FOR,
                            previous == null || previous.isBlank() ? ip : previous + ", " + ip);
        }
    }
}
