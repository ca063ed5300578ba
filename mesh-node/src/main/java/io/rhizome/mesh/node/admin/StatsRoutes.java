package io.rhizome.mesh.node.admin;

import io.rhizome.mesh.node.discovery.MemberView;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.observability.stats.MeshStats;
import io.rhizome.mesh.node.observability.stats.NodeStats;
import io.rhizome.mesh.node.observability.stats.StatRow;
import io.rhizome.mesh.node.observability.stats.StatsQueryActor;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/stat?window=1m&service=S&routes=true&edges=true&direction=outbound&node=N}:
 * request figures of the whole mesh, gathered from every member (Kryo fan-out) and merged here. The
 * shape is architecture.md §8's ({@code services} with requests, rps, success-rate, p50/p95/p99-ms)
 * plus the nodes that answered and, when asked, per-Route rows and caller → service edges. {@code
 * node} restricts the figures to what one member saw.
 */
final class StatsRoutes extends AllDirectives {
    static final Duration FAN_OUT_TIMEOUT = Duration.ofMillis(1500);
    private static final Pattern WINDOW = Pattern.compile("(\\d{1,4})(s|m)");

    private final ActorSystem<?> system;
    private final MeshView mesh;

    StatsRoutes(ActorSystem<?> system, MeshView mesh) {
        this.system = system;
        this.mesh = mesh;
    }

    Route routes() {
        return path(
                "stat", () -> get(() -> parameterMap(params -> completeWithFuture(stat(params)))));
    }

    private CompletionStage<HttpResponse> stat(Map<String, String> params) {
        Optional<Duration> window = parseWindow(params.getOrDefault("window", "1m"));
        if (window.isEmpty()) {
            return CompletableFuture.completedFuture(
                    Json.error(
                            StatusCodes.BAD_REQUEST,
                            "invalid-parameter",
                            "window: \""
                                    + params.get("window")
                                    + "\" (expected: 10s..5m in steps of 10s, e.g. 30s or 1m)"));
        }
        String direction = params.getOrDefault("direction", "outbound");
        if (!direction.equals("outbound") && !direction.equals("inbound")) {
            return CompletableFuture.completedFuture(
                    Json.error(
                            StatusCodes.BAD_REQUEST,
                            "invalid-parameter",
                            "direction: \"" + direction + "\" (expected: outbound or inbound)"));
        }
        String service = params.getOrDefault("service", "");
        boolean routes = "true".equals(params.get("routes"));
        boolean edges = "true".equals(params.get("edges"));
        String only = params.getOrDefault("node", "");
        return gather(system, window.get(), only)
                .thenApply(
                        g -> {
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("window", params.getOrDefault("window", "1m"));
                            body.put("direction", direction);
                            body.put(
                                    "services",
                                    rows(
                                            g.stats().rows(StatRow.SERVICE, direction),
                                            service,
                                            false));
                            if (routes) {
                                body.put(
                                        "routes",
                                        rows(
                                                g.stats().rows(StatRow.ROUTE, direction),
                                                service,
                                                false));
                            }
                            if (edges) {
                                body.put(
                                        "edges",
                                        rows(
                                                g.stats().rows(StatRow.EDGE, direction),
                                                service,
                                                true));
                            }
                            body.put(
                                    "tcp",
                                    tcpRows(g.stats().rows(StatRow.TCP, direction), service));
                            body.put("nodes", new ArrayList<>(g.answered()));
                            body.put(
                                    "missing",
                                    only.isEmpty()
                                            ? missing(g.answered(), g.otherVersion())
                                            : g.answered().isEmpty() && g.otherVersion().isEmpty()
                                                    ? List.of(only)
                                                    : List.of());
                            body.put("other-version", new ArrayList<>(g.otherVersion()));
                            return Json.response(StatusCodes.OK, body);
                        });
    }

    /** What every member answered, merged, and who answered. */
    record Gathered(MeshStats stats, TreeSet<String> answered, TreeSet<String> otherVersion) {}

    static CompletionStage<Gathered> gather(ActorSystem<?> system, Duration window) {
        return gather(system, window, "");
    }

    /** {@code onlyNode}: merge only that member's answer ({@code ""}: every member's). */
    static CompletionStage<Gathered> gather(
            ActorSystem<?> system, Duration window, String onlyNode) {
        CompletionStage<Receptionist.Listing> listing =
                AskPattern.ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(StatsQueryActor.KEY, replyTo),
                        FAN_OUT_TIMEOUT,
                        system.scheduler());
        return listing.thenCompose(
                l -> {
                    List<CompletableFuture<Optional<StatsQueryActor.Stats>>> asks =
                            new ArrayList<>();
                    for (ActorRef<StatsQueryActor.GetStats> ref :
                            l.getServiceInstances(StatsQueryActor.KEY)) {
                        CompletionStage<StatsQueryActor.Stats> ask =
                                AskPattern.ask(
                                        ref,
                                        replyTo ->
                                                new StatsQueryActor.GetStats(
                                                        StatsQueryActor.PROTOCOL_VERSION,
                                                        window.toMillis(),
                                                        replyTo),
                                        FAN_OUT_TIMEOUT,
                                        system.scheduler());
                        asks.add(
                                ask.thenApply(Optional::of)
                                        .exceptionally(t -> Optional.empty())
                                        .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                            .thenApply(
                                    v -> {
                                        MeshStats merged = new MeshStats();
                                        TreeSet<String> answered = new TreeSet<>();
                                        TreeSet<String> otherVersion = new TreeSet<>();
                                        for (var f : asks) {
                                            f.join()
                                                    .filter(
                                                            s ->
                                                                    onlyNode.isEmpty()
                                                                            || s.node()
                                                                                    .equals(
                                                                                            onlyNode))
                                                    .ifPresent(
                                                            s -> {
                                                                if (s.protocolVersion()
                                                                        != StatsQueryActor
                                                                                .PROTOCOL_VERSION) {
                                                                    otherVersion.add(s.node());
                                                                } else {
                                                                    answered.add(s.node());
                                                                    merged.add(
                                                                            new NodeStats(
                                                                                    s
                                                                                            .coveredMillis(),
                                                                                    List.of(
                                                                                            s
                                                                                                    .rows())));
                                                                }
                                                            });
                                        }
                                        return new Gathered(merged, answered, otherVersion);
                                    });
                });
    }

    private List<Object> missing(TreeSet<String> answered, TreeSet<String> otherVersion) {
        List<Object> out = new ArrayList<>();
        for (MemberView m : mesh.current().members()) {
            if (!answered.contains(m.name())
                    && !otherVersion.contains(m.name())
                    && !m.status().equals("Removed")
                    && !m.status().equals("Down")) {
                out.add(m.name());
            }
        }
        return out;
    }

    static List<Object> rows(List<MeshStats.Row> rows, String service, boolean edges) {
        List<Object> out = new ArrayList<>();
        for (MeshStats.Row r : rows) {
            if (!service.isEmpty() && !r.service().equals(service)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            if (edges) {
                m.put("caller", r.caller());
                m.put("caller-kind", r.callerKind());
            }
            m.put("service", r.service());
            if (r.kind().equals(StatRow.ROUTE)) {
                m.put("route", r.route());
            }
            m.put("direction", r.direction());
            m.put("requests", r.requests());
            m.put("rps", round(r.rps(), 3));
            m.put("success-rate", round(r.successRate(), 4));
            m.put("p50-ms", round(r.percentileMillis(0.50), 3));
            m.put("p95-ms", round(r.percentileMillis(0.95), 3));
            m.put("p99-ms", round(r.percentileMillis(0.99), 3));
            m.put("failures", r.failures());
            m.put("refused", r.refused());
            out.add(m);
        }
        return out;
    }

    /** Connections carried as bytes (TCP services, WebSockets, CONNECT tunnels), per service. */
    static List<Object> tcpRows(List<MeshStats.Row> rows, String service) {
        List<Object> out = new ArrayList<>();
        for (MeshStats.Row r : rows) {
            if (!service.isEmpty() && !r.service().equals(service)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("service", r.service());
            m.put("direction", r.direction());
            m.put("connections", r.requests());
            m.put("connections-per-second", round(r.rps(), 3));
            m.put("success-rate", round(r.successRate(), 4));
            m.put("bytes", r.bytes());
            m.put("bytes-per-second", round(r.bytesPerSecond(), 1));
            m.put("p50-duration-ms", round(r.percentileMillis(0.50), 3));
            m.put("p99-duration-ms", round(r.percentileMillis(0.99), 3));
            m.put("failures", r.failures());
            out.add(m);
        }
        return out;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** {@code 30s}, {@code 1m}, {@code 90s}: 10 s..5 min in steps of 10 s. */
    static Optional<Duration> parseWindow(String text) {
        Matcher m = WINDOW.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration d = m.group(2).equals("s") ? Duration.ofSeconds(n) : Duration.ofMinutes(n);
        return StatsRecorder.validWindow(d) ? Optional.of(d) : Optional.empty();
    }
}
