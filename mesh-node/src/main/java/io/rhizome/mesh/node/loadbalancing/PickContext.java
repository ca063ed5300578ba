package io.rhizome.mesh.node.loadbalancing;

import io.rhizome.mesh.node.routing.RequestView;
import io.rhizome.mesh.protocol.v1.HashOn;
import java.util.Locale;

/**
 * What a balancer may know about the request beyond the candidates: today the hash key of {@code
 * hash-on} (a header value, a cookie value or the caller's IP), or null when there is none.
 */
public record PickContext(String hashKey) {

    /** No hash key: hashing balancers pick at random. */
    public static final PickContext NONE = new PickContext(null);

    public static PickContext ofKey(String hashKey) {
        return hashKey == null ? NONE : new PickContext(hashKey);
    }

    /**
     * The context for {@code request} under a policy's {@code hash-on}: the header's first value,
     * the cookie's value, or {@code sourceIp}; {@link #NONE} when {@code hashOn} is null or unset
     * or the request lacks the header or cookie.
     */
    public static PickContext of(HashOn hashOn, RequestView request, String sourceIp) {
        if (hashOn == null) {
            return NONE;
        }
        return switch (hashOn.getKeyCase()) {
            case HEADER -> ofKey(request.header(hashOn.getHeader().toLowerCase(Locale.ROOT)));
            case COOKIE -> ofKey(cookie(request.header("cookie"), hashOn.getCookie()));
            case SOURCE_IP -> hashOn.getSourceIp() ? ofKey(sourceIp) : NONE;
            case KEY_NOT_SET -> NONE;
        };
    }

    /** The value of cookie {@code name} in a {@code Cookie} header ({@code a=1; b=2}), or null. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int from = 0;
        while (from < header.length()) {
            int end = header.indexOf(';', from);
            if (end < 0) {
                end = header.length();
            }
            int eq = header.indexOf('=', from);
            if (eq >= from && eq < end && header.substring(from, eq).trim().equals(name)) {
                String value = header.substring(eq + 1, end).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
            from = end + 1;
        }
        return null;
    }
}
