package io.rhizome.mesh.node.routing;

import java.util.Map;

/**
 * The parts of a request that routes match on. The proxy implements it over its Netty request
 * without copying; {@link #of} builds one for tests and tooling.
 *
 * <p>The query is handed over raw: the table scans it only when a candidate match has query
 * conditions, for just the names it needs, so the common request parses nothing and no map of
 * parameters is ever built.
 */
public interface RequestView {

    /** The method token as received, e.g. {@code GET} (methods are case-sensitive). */
    String method();

    /** The raw path as received, without the query, e.g. {@code /api/v2/orders}; never null. */
    String path();

    /** The first value of the header, or null when absent. Called with lower-case names only. */
    String header(String lowerCaseName);

    /** The raw query after {@code ?}, still percent-encoded, or null (or "") when there is none. */
    String rawQuery();

    /**
     * A request from plain values.
     *
     * @param pathAndQuery path with an optional {@code ?query}
     * @param headers header names in any case (first value each)
     */
    static RequestView of(String method, String pathAndQuery, Map<String, String> headers) {
        return SimpleRequestView.of(method, pathAndQuery, headers);
    }

    /** A request without headers. */
    static RequestView of(String method, String pathAndQuery) {
        return SimpleRequestView.of(method, pathAndQuery, Map.of());
    }
}
