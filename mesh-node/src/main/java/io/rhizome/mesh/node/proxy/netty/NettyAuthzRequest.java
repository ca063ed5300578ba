package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpRequest;
import io.rhizome.mesh.node.security.authz.AuthzRequest;
import java.util.List;

/** A Netty request as authorization sees it: its URI is already normalised (PathNormalizer). */
record NettyAuthzRequest(HttpRequest request, String caller) implements AuthzRequest {

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        String uri = request.uri();
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        return request.headers().getAll(lowerCaseName);
    }
}
