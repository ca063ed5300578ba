package io.rhizome.mesh.node.proxy.netty;

import java.util.Locale;

/** A parsed Host header or authority: host lower-cased, port or -1. */
record HostAndPort(String host, int port) {
    static HostAndPort of(String authority) {
        String a = authority.trim();
        if (a.isEmpty()) {
            return null;
        }
        String host;
        int port = -1;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = a.substring(1, close);
            String rest = a.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                port = parsePort(rest.substring(1));
                if (port < 0) {
                    return null;
                }
            }
        } else {
            int colon = a.indexOf(':');
            if (colon >= 0) {
                if (a.indexOf(':', colon + 1) >= 0) {
                    return null;
                }
                port = parsePort(a.substring(colon + 1));
                if (port < 0) {
                    return null;
                }
                host = a.substring(0, colon);
            } else {
                host = a;
            }
        }
        if (host.isEmpty() || !hostChars(host)) {
            return null;
        }
        return new HostAndPort(host.toLowerCase(Locale.ROOT), port);
    }

    /**
     * Visible ASCII other than slash, at and backslash (a loop, not a stream: this runs for every
     * request).
     */
    private static boolean hostChars(String host) {
        for (int i = 0; i < host.length(); i++) {
            char ch = host.charAt(i);
            if (ch <= 32 || ch >= 127 || ch == '/' || ch == '@' || ch == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int parsePort(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535 ? p : -1;
    }
}
