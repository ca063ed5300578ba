package io.rhizome.mesh.node.observability;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A request's headers as a tap with {@code include-headers} shows them: copied only while such a
 * tap runs, bounded ({@link #MAX_HEADERS} headers, values cut at {@link #MAX_VALUE} characters),
 * and with the values of secrets always replaced by {@link #REDACTED}: credentials ({@code
 * authorization}, {@code proxy-authorization}, which also carries the admin token), cookies, and
 * any header whose name says it holds a token, key, secret, password or session.
 */
public final class RequestHeaders {
    public static final String REDACTED = "[redacted]";
    static final int MAX_HEADERS = 64;
    static final int MAX_VALUE = 256;
    private static final Set<String> SECRETS =
            Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
    private static final List<String> SECRET_WORDS =
            List.of(
                    "token",
                    "secret",
                    "password",
                    "passwd",
                    "api-key",
                    "apikey",
                    "session",
                    "credential",
                    "auth");

    private RequestHeaders() {}

    /** Name, value, name, value, ... with names lower-cased and secrets' values redacted. */
    public static List<String> capture(Iterable<Map.Entry<String, String>> headers) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (out.size() >= 2 * MAX_HEADERS) {
                break;
            }
            String name = h.getKey().toLowerCase(Locale.ROOT);
            String value = h.getValue() == null ? "" : h.getValue();
            out.add(name);
            out.add(
                    isSecret(name)
                            ? REDACTED
                            : value.length() > MAX_VALUE
                                    ? value.substring(0, MAX_VALUE) + "..."
                                    : value);
        }
        return List.copyOf(out);
    }

    /** Whether a header (lower-case name) holds a secret: its value is never shown. */
    public static boolean isSecret(String name) {
        if (SECRETS.contains(name)) {
            return true;
        }
        for (String w : SECRET_WORDS) {
            if (name.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
