package io.rhizome.mesh.node.routing;

import io.rhizome.mesh.protocol.v1.Version;
import java.util.Arrays;
import java.util.Comparator;

/**
 * One individual match of one rule, compiled, with everything precedence looks at. A rule without
 * matches contributes one candidate without conditions (path-prefix "/").
 */
final class MatchCandidate {

    /** Oldest first: physical millis, then logical counter, then writing node. */
    static final Comparator<Version> OLDEST_FIRST =
            Comparator.comparingLong(Version::getPhysicalMillis)
                    .thenComparingInt(Version::getLogical)
                    .thenComparing(Version::getNode);

    /**
     * Highest precedence first (docs/resources.md, Gateway API HTTPRoute). The order depends on the
     * candidates alone, never on the request, so the first candidate of the sorted list that
     * matches a request is the one precedence picks among all that match it. Resource name, rule
     * and match index make the order total (Gateway API also breaks version ties by name).
     */
    static final Comparator<MatchCandidate> PRECEDENCE =
            Comparator.<MatchCandidate>comparingInt(c -> c.path.kind.ordinal())
                    .thenComparing(
                            Comparator.comparingInt((MatchCandidate c) -> c.path.prefixLength())
                                    .reversed())
                    .thenComparing(
                            Comparator.comparing((MatchCandidate c) -> c.method != null).reversed())
                    .thenComparing(
                            Comparator.comparingInt((MatchCandidate c) -> c.headers.length)
                                    .reversed())
                    .thenComparing(
                            Comparator.comparingInt((MatchCandidate c) -> c.query.length)
                                    .reversed())
                    .thenComparing(c -> c.version, OLDEST_FIRST)
                    .thenComparing(c -> c.decision.rule().route())
                    .thenComparingInt(c -> c.decision.rule().ruleIndex())
                    .thenComparingInt(c -> c.matchIndex);

    final PathCondition path;

    /** Upper-case method, or null for any. */
    final String method;

    final ValueCondition[] headers;
    final ValueCondition[] query;
    final Version version;
    final int matchIndex;
    final RouteDecision.Matched decision;

    MatchCandidate(
            PathCondition path,
            String method,
            ValueCondition[] headers,
            ValueCondition[] query,
            Version version,
            int matchIndex,
            RouteDecision.Matched decision) {
        this.path = path;
        this.method = method;
        this.headers = headers;
        this.query = query;
        this.version = version;
        this.matchIndex = matchIndex;
        this.decision = decision;
    }

    /**
     * Every condition holds. {@code method} and {@code path} are read once per request by the
     * caller.
     */
    boolean matches(RequestView request, String method, String path) {
        if (!this.path.matches(path)) {
            return false;
        }
        if (this.method != null && !this.method.equals(method)) {
            return false;
        }
        for (ValueCondition h : headers) {
            if (!h.test(request.header(h.name))) {
                return false;
            }
        }
        if (query.length > 0) {
            String raw = request.rawQuery();
            for (ValueCondition q : query) {
                if (!q.test(QueryString.firstValue(raw, q.name))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return decision.rule().id()
                + ".matches["
                + matchIndex
                + "]{"
                + path
                + (method == null ? "" : ", method=" + method)
                + ", headers="
                + Arrays.toString(headers)
                + ", query="
                + Arrays.toString(query)
                + "}";
    }
}
