package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.proxy.ProxyErrors;

/**
 * One stage of the request path before forwarding (Envoy's filter chain, linkerd's route layers):
 * it reads and amends the request's {@link RequestContext} and lets the request go on, or stops it
 * with the answer the mesh gives (Envoy's {@code StopIteration} with {@code sendLocalReply}): the
 * one place that turns an {@link Answer} into HTTP/1.1, HTTP/2 or gRPC is {@link LocalAnswers}. The
 * outbound port, the inbound port and the local shortcut compose their chains from the same stages
 * ({@link RequestChain}).
 */
interface RequestStage {
    /** Null to go on; an answer to stop here. */
    Answer apply(RequestContext request);

    /**
     * What the mesh answers instead of forwarding.
     *
     * @param retryAfterSeconds > 0 adds {@code Retry-After}
     * @param close the connection cannot be trusted after this request (its target was malformed):
     *     answer and close, whatever keep-alive says
     */
    record Answer(ProxyErrors error, String message, long retryAfterSeconds, boolean close) {
        static Answer of(ProxyErrors error, String message) {
            return new Answer(error, message, 0, false);
        }
    }
}
