package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpRequest;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.resilience.Deadline;
import io.rhizome.mesh.node.resilience.RequestLimit;
import io.rhizome.mesh.node.resilience.retry.RetryBudget;

/**
 * Everything the stages of one request know about it, in one place: what arrived (the head, as the
 * HTTP/1.1 decoder or the HTTP/2 stream codec made it), on which port, from whom, and what the
 * stages decided so far (its deadline, its target, the circuit-breaker slot it holds). Created per
 * request; stages fill it in order.
 */
final class RequestContext {
    final ProxyContext node;
    final HttpRequest request;
    final boolean inbound;

    /**
     * The request is a gRPC call: local answers are gRPC-shaped, {@code grpc-timeout} is a
     * deadline.
     */
    final boolean grpc;

    /** The caller's verified identity on the inbound port (mTLS); null otherwise. */
    final String peerIdentity;

    final String clientIp;
    final RequestRecordBuilder record;

    /**
     * The caller's deadline (the earlier of {@code x-rhizome-deadline-ms} and {@code
     * grpc-timeout}).
     */
    Deadline.Parsed deadline;

    TargetResolver.Target target;

    /**
     * The destination's max-requests slot this request holds once admitted; released when it ends.
     */
    RequestLimit limit = RequestLimit.UNLIMITED;

    /** The retry budget of the service the request is for. */
    RetryBudget budget = RetryBudget.UNLIMITED;

    RequestContext(
            ProxyContext node,
            HttpRequest request,
            boolean inbound,
            boolean grpc,
            String peerIdentity,
            String clientIp,
            RequestRecordBuilder record) {
        this.node = node;
        this.request = request;
        this.inbound = inbound;
        this.grpc = grpc;
        this.peerIdentity = peerIdentity;
        this.clientIp = clientIp;
        this.record = record;
    }
}
