package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.observability.RequestFlags;
import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.resilience.Deadline;

/**
 * Deadline: the caller's {@code x-rhizome-deadline-ms} (the mesh's own header, removed here and set
 * again only toward a peer's inbound port) and, for gRPC, {@code grpc-timeout}; the earlier wins. A
 * malformed one is refused; one already passed is answered at once with {@code timeout}. The
 * Route's timeout joins it when the request is forwarded.
 */
final class DeadlineStage implements RequestStage {
    @Override
    public Answer apply(RequestContext rc) {
        Deadline.Parsed deadline = Deadline.parse(rc.request.headers().get(Deadline.HEADER));
        rc.request.headers().remove(Deadline.HEADER);
        String grpcTimeout = rc.grpc ? rc.request.headers().get(Deadline.GRPC_HEADER) : null;
        if (grpcTimeout != null) {
            deadline = Deadline.earlier(deadline, Deadline.parseGrpcTimeout(grpcTimeout));
        }
        rc.deadline = deadline;
        if (deadline instanceof Deadline.Invalid invalid) {
            return Answer.of(ProxyErrors.BAD_REQUEST, invalid.message());
        }
        if (deadline instanceof Deadline.Expired expired) {
            rc.record.flag(RequestFlags.TIMEOUT);
            return Answer.of(
                    ProxyErrors.TIMEOUT,
                    "the caller's deadline has already passed ("
                            + (grpcTimeout != null
                                    ? Deadline.GRPC_HEADER + ": " + grpcTimeout
                                    : Deadline.HEADER + ": " + expired.millis())
                            + ")");
        }
        return null;
    }
}
