package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpRequest;
import io.rhizome.mesh.node.routing.RequestView;

/**
 * A Netty request as the route table sees it; reads the request in place, copies nothing but the
 * path.
 */
final class NettyRequestView implements RequestView {
    private final HttpRequest request;
    private final String path;
    private final String query;

    NettyRequestView(HttpRequest request) {
        this.request = request;
        String uri = request.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q);
        this.query = q < 0 ? null : uri.substring(q + 1);
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(String lowerCaseName) {
        return request.headers().get(lowerCaseName);
    }

    @Override
    public String rawQuery() {
        return query;
    }
}
