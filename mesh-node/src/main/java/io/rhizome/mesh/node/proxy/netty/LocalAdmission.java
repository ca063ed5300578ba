package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpRequest;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimitDecision;
import io.rhizome.mesh.node.resilience.ratelimit.RateLimits;
import io.rhizome.mesh.node.security.authz.AuthorizationDecision;

/**
 * The inbound policy of a service of this node, in order: its Authorizations, then its RateLimits.
 * One stage for both places a request reaches a local instance, the inbound port and the local
 * shortcut (the shortcut skips the instance's inbound port, not its inbound policy). A refusal says
 * what to answer; nothing has been sent upstream.
 */
final class LocalAdmission {
    /** Admitted, or refused with the answer to give. */
    sealed interface Verdict permits Admitted, Refused {}

    record Admitted() implements Verdict {}

    /** {@code retryAfterSeconds} > 0 for a rate limit. */
    record Refused(ProxyErrors error, String message, long retryAfterSeconds) implements Verdict {}

    private static final Admitted ADMITTED = new Admitted();

    private LocalAdmission() {}

    /**
     * @param caller the caller's verified identity: the peer's on the inbound port, this node's own
     *     on the local shortcut; null on plaintext
     * @param clientIp the calling address, for per-caller RateLimits (there is no identity without
     *     mTLS: on the inbound port that is the calling node, on the shortcut the local app)
     */
    static Verdict check(
            ProxyContext context,
            String service,
            HttpRequest request,
            String caller,
            String clientIp) {
        if (context.authorizations().check(service, new NettyAuthzRequest(request, caller))
                instanceof AuthorizationDecision.Denied denied) {
            return new Refused(
                    ProxyErrors.FORBIDDEN,
                    "\"" + service + "\" does not allow this request (" + denied.reason() + ")",
                    0);
        }
        RateLimitDecision admission =
                context.rateLimits()
                        .admit(service, request.headers().get(RateLimits.ROUTE_HEADER), clientIp);
        if (admission instanceof RateLimitDecision.Limited limited) {
            long seconds = limited.retryAfterSeconds();
            return new Refused(
                    ProxyErrors.RATE_LIMITED,
                    "\""
                            + service
                            + "\" is over RateLimit "
                            + limited.policy().name()
                            + " ("
                            + limited.policy().requestsPerSecond()
                            + " requests per second, burst "
                            + limited.policy().burst()
                            + "); retry after "
                            + seconds
                            + "s",
                    seconds);
        }
        return ADMITTED;
    }
}
