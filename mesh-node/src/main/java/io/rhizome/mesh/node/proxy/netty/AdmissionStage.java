package io.rhizome.mesh.node.proxy.netty;

/**
 * Authorize, then rate-limit: the inbound policy of the service of this node the request is for
 * ({@link LocalAdmission}, which the local shortcut runs too, with this node's identity as the
 * caller).
 */
final class AdmissionStage implements RequestStage {
    @Override
    public Answer apply(RequestContext rc) {
        String service = rc.target.localService();
        if (service != null
                && LocalAdmission.check(rc.node, service, rc.request, rc.peerIdentity, rc.clientIp)
                        instanceof LocalAdmission.Refused refused) {
            return new Answer(
                    refused.error(), refused.message(), refused.retryAfterSeconds(), false);
        }
        return null;
    }
}
