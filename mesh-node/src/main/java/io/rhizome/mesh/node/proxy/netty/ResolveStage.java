package io.rhizome.mesh.node.proxy.netty;

/**
 * Resolve and route: where the request goes ({@link TargetResolver}): on the outbound port a mesh
 * service with its Routes applied, or egress; on the inbound port the service of this node its Host
 * names. An unknown service, no matching rule or a bad target is answered here.
 */
final class ResolveStage implements RequestStage {
    @Override
    public Answer apply(RequestContext rc) {
        TargetResolver.Target t =
                rc.inbound
                        ? TargetResolver.inbound(rc.node, rc.request)
                        : TargetResolver.outbound(rc.node, rc.request, rc.record, rc.clientIp);
        rc.target = t;
        if (rc.record.observing()) {
            RequestRecording.target(
                    rc.record,
                    rc.request,
                    t.localService() != null ? t.localService() : t.service(),
                    t.rule(),
                    t.address() != null && t.localService() == null);
        }
        return t.error() == null ? null : Answer.of(t.error(), t.message());
    }
}
