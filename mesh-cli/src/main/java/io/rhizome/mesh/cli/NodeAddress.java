package io.rhizome.mesh.cli;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a node's admin API listens: {@code host:port}, {@code [v6]:port}, or a full {@code
 * http(s)://host:port} URL.
 *
 * @param text what the user typed, used in messages
 * @param baseUri the URL requests are resolved against, without a trailing slash
 */
record NodeAddress(String text, URI baseUri) {

    private static final Pattern HOST_PORT =
            Pattern.compile("(?<host>\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):(?<port>[0-9]{1,5})");
    private static final Pattern URL =
            Pattern.compile("(?<scheme>https?)://(?<hostPort>[^/?#]+)/*");

    NodeAddress {
        requireNonNull(text, "text");
        requireNonNull(baseUri, "baseUri");
    }

    static NodeAddress parse(String text) {
        return parse(text, "--node");
    }

    /**
     * Parses {@code text}; {@code source} names where it came from in the error message.
     *
     * @throws IllegalArgumentException naming the source and the expected form
     */
    static NodeAddress parse(String text, String source) {
        requireNonNull(text, "text");
        String scheme = "http";
        String hostPort = text;
        Matcher url = URL.matcher(text);
        if (url.matches()) {
            scheme = url.group("scheme");
            hostPort = url.group("hostPort");
        }
        Matcher matcher = HOST_PORT.matcher(hostPort);
        if (!matcher.matches()) {
            throw invalid(text, source);
        }
        int port = Integer.parseInt(matcher.group("port"));
        if (port < 1 || port > 65535) {
            throw invalid(text, source);
        }
        return new NodeAddress(
                text, URI.create(scheme + "://" + matcher.group("host") + ":" + port));
    }

    private static IllegalArgumentException invalid(String text, String source) {
        return new IllegalArgumentException(
                source + ": '" + text + "' (expected: host:port, e.g. 127.0.0.1:9901)");
    }

    /**
     * Whether the user named the scheme ({@code http://} or {@code https://}) rather than
     * host:port.
     */
    boolean schemeGiven() {
        return URL.matcher(text).matches();
    }

    boolean https() {
        return "https".equals(baseUri.getScheme());
    }

    /** The same host and port over HTTPS. */
    NodeAddress withHttps() {
        return new NodeAddress(text, URI.create("https://" + baseUri.getRawAuthority()));
    }

    @Override
    public String toString() {
        return text;
    }

    /** Lets picocli report a bad {@code --node} as a usage error. */
    static final class Converter implements ITypeConverter<NodeAddress> {
        @Override
        public NodeAddress convert(String value) {
            try {
                return parse(value.strip());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
