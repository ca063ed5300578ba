package io.rhizome.mesh.node.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A host and port as written in configuration and shown to users: {@code host:port}. */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses {@code host:port} (IPv6 hosts in brackets: {@code [::1]:8080}).
     *
     * @param key the configuration key, for the error message
     */
    public static HostPort parse(String key, String value) {
        String expected = "(expected: host:port with a port 1..65535)";
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigError(key, quote(value) + " " + expected);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigError(key, quote(value) + " " + expected);
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigError(key, quote(value) + " " + expected);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigError(key, quote(value) + " " + expected);
        }
        if (port < 1 || port > 65535) {
            throw new ConfigError(key, quote(value) + " " + expected);
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** True when the host is a wildcard address (0.0.0.0, ::) that peers cannot dial. */
    /** 127.0.0.0/8, ::1 or localhost: reachable from this host only. */
    public boolean isLoopback() {
        String h =
                host.startsWith("[") && host.endsWith("]")
                        ? host.substring(1, host.length() - 1)
                        : host;
        return h.equals("localhost")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1")
                || (h.startsWith("127.")
                        && h.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    }

    public boolean isWildcard() {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }
}
