package io.rhizome.mesh.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A resource kind as typed on the command line: case-insensitive, singular or plural, with or
 * without dashes, or a short alias ({@code dp}, {@code authz}).
 */
enum Kind {
    ROUTE("route", "Route"),
    DESTINATION_POLICY("destinationpolicy", "DestinationPolicy", "dp"),
    RATE_LIMIT("ratelimit", "RateLimit"),
    AUTHORIZATION("authorization", "Authorization", "authz");

    private final String segment;
    private final String canonical;
    private final List<String> aliases;

    Kind(String segment, String canonical, String... aliases) {
        this.segment = segment;
        this.canonical = canonical;
        this.aliases = List.of(aliases);
    }

    /** The lower-case path segment of {@code /v1/resources/{kind}}. */
    String segment() {
        return segment;
    }

    /** How the node prints it, e.g. {@code DestinationPolicy}. */
    String canonical() {
        return canonical;
    }

    /** {@code Route}, {@code routes}, {@code rate-limit}, {@code DP}... */
    static Optional<Kind> parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (name.isEmpty()) {
            return Optional.empty();
        }
        List<String> candidates =
                name.endsWith("ies")
                        ? List.of(name, name.substring(0, name.length() - 3) + "y")
                        : name.endsWith("s")
                                ? List.of(name, name.substring(0, name.length() - 1))
                                : List.of(name);
        for (String candidate : candidates) {
            for (Kind kind : values()) {
                if (kind.segment.equals(candidate) || kind.aliases.contains(candidate)) {
                    return Optional.of(kind);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code route, destinationpolicy (dp), ratelimit or authorization (authz)}. */
    static String choices() {
        List<String> names =
                Arrays.stream(values())
                        .map(
                                kind ->
                                        kind.aliases.isEmpty()
                                                ? kind.segment
                                                : kind.segment
                                                        + " ("
                                                        + String.join(", ", kind.aliases)
                                                        + ")")
                        .toList();
        return names.subList(0, names.size() - 1).stream().collect(Collectors.joining(", "))
                + " or "
                + names.get(names.size() - 1);
    }

    /** Lets picocli report an unknown kind as a usage error, before asking any node. */
    static final class Converter implements ITypeConverter<Kind> {
        @Override
        public Kind convert(String value) {
            return parse(value)
                    .orElseThrow(
                            () ->
                                    new TypeConversionException(
                                            "'" + value + "' (expected: " + choices() + ")"));
        }
    }
}
