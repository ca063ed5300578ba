package io.rhizome.mesh.node.routing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** A {@link RequestView} over plain values, for tests and tooling (not the proxy's hot path). */
record SimpleRequestView(String method, String path, String rawQuery, Map<String, String> headers)
        implements RequestView {

    SimpleRequestView {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(headers);
    }

    static SimpleRequestView of(String method, String pathAndQuery, Map<String, String> headers) {
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        Map<String, String> lower = new HashMap<>();
        headers.forEach((name, value) -> lower.putIfAbsent(name.toLowerCase(Locale.ROOT), value));
        return new SimpleRequestView(method, path, query, lower);
    }

    @Override
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
