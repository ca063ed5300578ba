package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.proxy.ProxyErrors;
import io.rhizome.mesh.node.security.PathNormalizer;

/**
 * Normalize: one form of the path for routes, authorization and the upstream alike (HTTP/2's {@code
 * :path} as HTTP/1.1's request target). A path that cannot be normalised safely is refused and the
 * connection closed.
 */
final class NormalizeStage implements RequestStage {
    @Override
    public Answer apply(RequestContext rc) {
        PathNormalizer.Result path = PathNormalizer.normalizeTarget(rc.request.uri());
        if (path instanceof PathNormalizer.Refused refused) {
            return new Answer(ProxyErrors.BAD_REQUEST, refused.problem(), 0, true);
        }
        rc.request.setUri(((PathNormalizer.Normalized) path).target());
        return null;
    }
}
