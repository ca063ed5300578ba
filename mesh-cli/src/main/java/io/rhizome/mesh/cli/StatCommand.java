package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl stat [SERVICE]}: requests, success rate and latency of every service, mesh-wide.
 */
@Command(
        name = "stat",
        mixinStandardHelpOptions = true,
        description = {
            "Shows each service's requests per second, success rate (non-5xx) and p50/p95/p99 latency "
                    + "over a recent window, as seen by its callers on every node (the node asks all members).",
            "Success counts the mesh's own 4xx (rate-limited, denied, no-route) as answered; REFUSED shows them.",
            "Connections carried as bytes (TCP services, WebSockets, CONNECT tunnels) follow in a table of their own: "
                    + "connections per second, the share carried, bytes per second both ways, p50/p99 duration."
        })
final class StatCommand extends NodeCommand {

    private static final Pattern WINDOW = Pattern.compile("(\\d{1,4})(s|m)");

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "SERVICE",
            description = "Only this service.")
    private String service;

    @Option(
            names = "--window",
            paramLabel = "DURATION",
            defaultValue = "1m",
            description = "How far back: 10s..5m in steps of 10s (default: ${DEFAULT-VALUE}).")
    private String window;

    @Option(names = "--routes", description = "Also a row per Route that matched requests.")
    private boolean routes;

    @Option(
            names = "--direction",
            paramLabel = "DIR",
            defaultValue = "outbound",
            description =
                    "outbound: as callers' nodes saw requests (default); inbound: as the services' nodes did.")
    private String direction;

    @Override
    public Integer call() {
        String w = checkedWindow(window);
        String dir = direction.strip().toLowerCase(Locale.ROOT);
        if (!dir.equals("outbound") && !dir.equals("inbound")) {
            throw MeshctlException.usage(
                    "--direction: '" + direction + "' (expected: outbound or inbound)");
        }
        StringBuilder path =
                new StringBuilder("/v1/stat?window=").append(w).append("&direction=").append(dir);
        if (service != null) {
            path.append("&service=").append(NodeClient.segment(service));
        }
        if (routes) {
            path.append("&routes=true");
        }
        ConfigObject answer = node().getJson(path.toString()).body();
        switch (output.format()) {
            case JSON -> out().println(Json.pretty(answer));
            case TABLE -> {
                table(Json.objects(answer, "services"), false).print(out());
                if (routes) {
                    out().println();
                    table(Json.objects(answer, "routes"), true).print(out());
                }
                List<ConfigObject> tcp = Json.objects(answer, "tcp");
                if (!tcp.isEmpty()) {
                    out().println();
                    tcpTable(tcp).print(out());
                }
            }
        }
        missingWarning(answer).ifPresent(err()::println);
        return Meshctl.EXIT_OK;
    }

    /** The window as the node takes it, or a usage error naming the option. */
    static String checkedWindow(String window) {
        String w = window.strip();
        var m = WINDOW.matcher(w);
        long seconds =
                m.matches() ? Long.parseLong(m.group(1)) * (m.group(2).equals("m") ? 60 : 1) : -1;
        if (seconds < 10 || seconds > 300 || seconds % 10 != 0) {
            throw MeshctlException.usage(
                    "--window: '"
                            + window
                            + "' (expected: 10s..5m in steps of 10s, e.g. 30s or 1m)");
        }
        return w;
    }

    /** A line naming the members that did not answer: the figures leave them out. */
    static java.util.Optional<String> missingWarning(ConfigObject answer) {
        List<String> missing = new ArrayList<>(strings(answer, "missing"));
        strings(answer, "other-version").forEach(n -> missing.add(n + " (another version)"));
        if (missing.isEmpty()) {
            return java.util.Optional.empty();
        }
        int answered = strings(answer, "nodes").size();
        return java.util.Optional.of(
                "warning: figures of "
                        + answered
                        + "/"
                        + (answered + missing.size())
                        + " nodes; no answer from "
                        + String.join(", ", missing));
    }

    static List<String> strings(ConfigObject object, String key) {
        List<String> out = new ArrayList<>();
        if (object.get(key) instanceof com.typesafe.config.ConfigList list) {
            list.forEach(v -> out.add(String.valueOf(v.unwrapped())));
        }
        return out;
    }

    static Table table(List<ConfigObject> rows, boolean routes) {
        Table table =
                routes
                        ? Table.withHeaders(
                                "SERVICE",
                                "ROUTE",
                                "REQUESTS",
                                "SUCCESS",
                                "RPS",
                                "P50",
                                "P95",
                                "P99",
                                "REFUSED")
                        : Table.withHeaders(
                                "SERVICE",
                                "REQUESTS",
                                "SUCCESS",
                                "RPS",
                                "P50",
                                "P95",
                                "P99",
                                "REFUSED");
        for (ConfigObject row : rows) {
            List<Object> cells = new ArrayList<>();
            cells.add(Json.string(row, "service"));
            if (routes) {
                cells.add(Json.string(row, "route"));
            }
            cells.add(Json.number(row, "requests", 0));
            cells.add(percent(decimal(row, "success-rate")));
            cells.add(String.format(Locale.ROOT, "%.1f", decimal(row, "rps")));
            cells.add(millis(decimal(row, "p50-ms")));
            cells.add(millis(decimal(row, "p95-ms")));
            cells.add(millis(decimal(row, "p99-ms")));
            cells.add(Json.number(row, "refused", 0));
            table.row(cells.toArray());
        }
        return table;
    }

    /** Connections carried as bytes, one row per service. */
    static Table tcpTable(List<ConfigObject> rows) {
        Table table =
                Table.withHeaders(
                        "TCP SERVICE",
                        "CONNECTIONS",
                        "SUCCESS",
                        "CONN/S",
                        "BYTES/S",
                        "P50 LIFE",
                        "P99 LIFE");
        for (ConfigObject row : rows) {
            table.row(
                    Json.string(row, "service"),
                    Json.number(row, "connections", 0),
                    percent(decimal(row, "success-rate")),
                    String.format(Locale.ROOT, "%.1f", decimal(row, "connections-per-second")),
                    bytes(decimal(row, "bytes-per-second")),
                    millis(decimal(row, "p50-duration-ms")),
                    millis(decimal(row, "p99-duration-ms")));
        }
        return table;
    }

    /** {@code 512B}, {@code 12.3kB}, {@code 4.5MB}, {@code 1.20GB} (decimal units). */
    static String bytes(double n) {
        if (n >= 1e9) {
            return String.format(Locale.ROOT, "%.2fGB", n / 1e9);
        }
        if (n >= 1e6) {
            return String.format(Locale.ROOT, "%.1fMB", n / 1e6);
        }
        if (n >= 1e3) {
            return String.format(Locale.ROOT, "%.1fkB", n / 1e3);
        }
        return String.format(Locale.ROOT, "%.0fB", n);
    }

    static double decimal(ConfigObject row, String key) {
        var value = row.get(key);
        return value != null && value.unwrapped() instanceof Number n ? n.doubleValue() : 0;
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    /** {@code 0.42ms}, {@code 12.5ms}, {@code 250ms}, {@code 1.20s}. */
    static String millis(double ms) {
        if (ms >= 1000) {
            return String.format(Locale.ROOT, "%.2fs", ms / 1000);
        }
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.0fms", ms);
        }
        if (ms >= 10) {
            return String.format(Locale.ROOT, "%.1fms", ms);
        }
        return String.format(Locale.ROOT, "%.2fms", ms);
    }
}
