package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl tap SERVICE}: a live stream of the requests to a service, from every node. */
@Command(
        name = "tap",
        mixinStandardHelpOptions = true,
        description = {
            "Streams the requests to SERVICE as every node sees them, live: time, node, direction, method, "
                    + "path, status, latency, caller, endpoint. Never bodies or query strings; header values only "
                    + "with --include-headers, and never those of secrets (authorization, cookies, tokens).",
            "Stops on Ctrl-C or after --max requests; the nodes stop tapping at once."
        })
final class TapCommand extends NodeCommand {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to tap.")
    private String service;

    @Option(names = "--path-prefix", paramLabel = "P", description = "Only paths starting with P.")
    private String pathPrefix;

    @Option(names = "--method", paramLabel = "M", description = "Only requests with method M.")
    private String method;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N requests.")
    private Long max;

    @Option(
            names = "--direction",
            paramLabel = "DIR",
            defaultValue = "outbound",
            description =
                    "outbound: each request once, as its caller's node saw it (default); inbound; all.")
    private String direction;

    @Option(
            names = "--include-headers",
            description =
                    "Show each request's header values as the caller sent them; secrets (authorization, cookies, "
                            + "tokens, keys) are always [redacted].")
    private boolean includeHeaders;

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw MeshctlException.usage(
                    "--max: " + max + " (expected: a whole number of requests, at least 1)");
        }
        if (pathPrefix != null && !pathPrefix.startsWith("/")) {
            throw MeshctlException.usage(
                    "--path-prefix: '" + pathPrefix + "' (expected: a path starting with /)");
        }
        String dir = direction.strip().toLowerCase(Locale.ROOT);
        if (!dir.equals("outbound") && !dir.equals("inbound") && !dir.equals("all")) {
            throw MeshctlException.usage(
                    "--direction: '" + direction + "' (expected: outbound, inbound or all)");
        }
        StringBuilder query = new StringBuilder("?service=").append(NodeClient.segment(service));
        query.append("&direction=").append(dir);
        if (pathPrefix != null) {
            query.append("&path-prefix=").append(NodeClient.segment(pathPrefix));
        }
        if (method != null) {
            query.append("&method=").append(NodeClient.segment(method.strip()));
        }
        if (max != null) {
            query.append("&max=").append(max);
        }
        if (includeHeaders) {
            query.append("&include-headers=true");
        }
        long[] seen = {0};
        try (TapStream stream = TapStream.open(node(), query.toString())) {
            stream.forEach(
                    line -> {
                        String type = Json.string(line, "type");
                        if ("started".equals(type)) {
                            started(line);
                        } else if ("dropped".equals(type)) {
                            err().println(
                                            "warning: "
                                                    + Json.string(line, "node")
                                                    + " dropped "
                                                    + Json.string(line, "count")
                                                    + " requests (tap buffer full)");
                            err().flush();
                        } else if ("request".equals(type)) {
                            out().println(
                                            output.format() == OutputFormat.JSON
                                                    ? Json.compact(line)
                                                    : format(line));
                            out().flush();
                            return max == null || ++seen[0] < max;
                        } else if ("end".equals(type)) {
                            return false;
                        }
                        return true;
                    });
        }
        return Meshctl.EXIT_OK;
    }

    private void started(ConfigObject line) {
        var nodes = StatCommand.strings(line, "nodes");
        var missing = StatCommand.strings(line, "missing");
        err().println(
                        "tapping "
                                + service
                                + " on "
                                + nodes.size()
                                + "/"
                                + (nodes.size() + missing.size())
                                + " nodes ("
                                + String.join(", ", nodes)
                                + ")"
                                + (missing.isEmpty()
                                        ? ""
                                        : "; not on " + String.join(", ", missing))
                                + "; Ctrl-C stops");
        err().flush();
    }

    /**
     * {@code 12:00:01.123 node-1 outbound GET /hello 200 1.23ms caller=web
     * endpoint=127.0.0.1:8080}.
     */
    static String format(ConfigObject line) {
        StringBuilder b = new StringBuilder();
        b.append(time(Json.string(line, "time")))
                .append(' ')
                .append(Json.string(line, "node"))
                .append(' ')
                .append(Json.string(line, "direction"))
                .append(' ')
                .append(Json.string(line, "method"))
                .append(' ')
                .append(Json.string(line, "path"))
                .append(' ')
                .append(Json.string(line, "status"))
                .append(' ')
                .append(StatCommand.millis(StatCommand.decimal(line, "latency-ms")));
        if (line.containsKey("grpc-status")) {
            b.append(" grpc-status=").append(Json.number(line, "grpc-status", -1));
        }
        appendIfSet(b, "caller", Json.string(line, "caller"));
        appendIfSet(b, "endpoint", Json.string(line, "endpoint"));
        appendIfSet(b, "route", Json.string(line, "route"));
        appendIfSet(b, "error", Json.string(line, "error"));
        appendIfSet(b, "flags", Json.string(line, "flags"));
        // With --include-headers: one indented "name: value" line per header, by name.
        new java.util.TreeMap<>(Json.object(line, "headers").unwrapped())
                .forEach(
                        (name, value) ->
                                b.append(System.lineSeparator())
                                        .append("    ")
                                        .append(name)
                                        .append(": ")
                                        .append(value));
        return b.toString();
    }

    private static void appendIfSet(StringBuilder b, String key, String value) {
        if (value != null && !value.isBlank()) {
            b.append(' ').append(key).append('=').append(value);
        }
    }

    private static String time(String iso) {
        try {
            return TIME.format(Instant.parse(iso));
        } catch (DateTimeParseException | NullPointerException e) {
            return "-";
        }
    }
}
