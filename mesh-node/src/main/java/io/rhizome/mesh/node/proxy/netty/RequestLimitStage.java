package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Destination;

/**
 * Circuit breaker, requests: a slot under the destination's {@code max-requests} (held until the
 * request ends) and its retry budget; a full breaker answers {@code overflow}. The connection
 * limits ({@code max-connections}, {@code max-pending}) apply where connections are opened, when
 * forwarding.
 */
final class RequestLimitStage implements RequestStage {
    @Override
    public Answer apply(RequestContext rc) {
        String service = rc.target.service();
        if (service == null) {
            return null;
        }
        Destination destination = rc.node.destinations().forService(service);
        if (!destination.limit().tryAcquire()) {
            return Answer.of(
                    ProxyErrors.OVERFLOW,
                    "\""
                            + service
                            + "\" already has "
                            + destination.limit().max()
                            + " requests in flight from this node (circuit-breaker max-requests)");
        }
        rc.limit = destination.limit();
        rc.budget = destination.budget();
        return null;
    }
}
