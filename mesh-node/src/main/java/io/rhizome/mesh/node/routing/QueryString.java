package io.rhizome.mesh.node.routing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Finds one parameter in a raw query without splitting the rest: pairs are separated by {@code &};
 * names and values are form-decoded ({@code %XX} as UTF-8, {@code +} as space), and only a name or
 * value that holds {@code %} or {@code +} costs a decode.
 */
final class QueryString {

    private QueryString() {}

    /**
     * The first value of {@code name}: "" for {@code ?name} or {@code ?name=}, null when absent.
     * Names compare case-sensitively after decoding.
     */
    static String firstValue(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        int n = rawQuery.length();
        int start = 0;
        while (start < n) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = n;
            }
            int eq = rawQuery.indexOf('=', start);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (nameEquals(rawQuery, start, nameEnd, name)) {
                return nameEnd == end ? "" : decode(rawQuery, nameEnd + 1, end);
            }
            start = end + 1;
        }
        return null;
    }

    private static boolean nameEquals(String raw, int from, int to, String name) {
        if (needsDecoding(raw, from, to)) {
            return decode(raw, from, to).equals(name);
        }
        return to - from == name.length() && raw.regionMatches(from, name, 0, name.length());
    }

    private static String decode(String raw, int from, int to) {
        String s = raw.substring(from, to);
        if (!needsDecoding(raw, from, to)) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s; // a stray % is kept as sent rather than failing the request
        }
    }

    private static boolean needsDecoding(String raw, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '+') {
                return true;
            }
        }
        return false;
    }
}
