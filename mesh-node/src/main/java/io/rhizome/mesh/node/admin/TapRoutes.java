package io.rhizome.mesh.node.admin;

import io.rhizome.mesh.node.discovery.MemberView;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.observability.tap.TapActor;
import io.rhizome.mesh.node.observability.tap.TapHub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET
 * /v1/tap?service=S&path-prefix=P&method=M&max=N&direction=outbound&include-headers=false}: a live
 * stream (NDJSON, chunked) of the requests every member sees. The first line says which nodes are
 * tapping ({@code "type": "started"}); then one line per request ({@code "type": "request"}),
 * {@code "dropped"} lines when a buffer overflowed, an {@code "end"} line after {@code max}
 * requests, and an empty line every second while idle (so a client that left is noticed). When the
 * stream ends for any reason every member closes its tap. {@code GET /v1/taps}: how many taps this
 * node serves now.
 */
final class TapRoutes extends AllDirectives {
    static final Duration SUBSCRIBE_TIMEOUT = Duration.ofMillis(1500);
    static final Duration KEEP_ALIVE = Duration.ofSeconds(1);

    /** Lines buffered for a slow client before requests are dropped (and counted). */
    static final int QUEUE = 4096;

    private static final Pattern METHOD = Pattern.compile("[A-Za-z]{1,20}");

    private final ActorSystem<?> system;
    private final MeshView mesh;
    private final TapHub taps;

    TapRoutes(ActorSystem<?> system, MeshView mesh, TapHub taps) {
        this.system = system;
        this.mesh = mesh;
        this.taps = taps;
    }

    Route routes() {
        return concat(
                // A tap lasts as long as its client wants: no request timeout (idle connections are
                // kept busy by keep-alive lines).
                path(
                        "tap",
                        () ->
                                get(
                                        () ->
                                                withoutRequestTimeout(
                                                        () ->
                                                                parameterMap(
                                                                        params ->
                                                                                completeWithFuture(
                                                                                        tap(
                                                                                                params)))))),
                path(
                        "taps",
                        () ->
                                get(
                                        () ->
                                                complete(
                                                        Json.response(
                                                                StatusCodes.OK,
                                                                Map.of(
                                                                        "node",
                                                                        taps.nodeName(),
                                                                        "active",
                                                                        taps.active()))))));
    }

    private CompletionStage<HttpResponse> tap(Map<String, String> params) {
        String service = params.getOrDefault("service", "").strip();
        String pathPrefix = params.getOrDefault("path-prefix", "");
        String method = params.getOrDefault("method", "").strip();
        String direction = params.getOrDefault("direction", "outbound");
        String headers = params.getOrDefault("include-headers", "false").strip();
        if (!headers.equals("true") && !headers.equals("false")) {
            return bad("include-headers: \"" + headers + "\" (expected: true or false)");
        }
        boolean includeHeaders = headers.equals("true");
        long max = Long.MAX_VALUE;
        if (!method.isEmpty() && !METHOD.matcher(method).matches()) {
            return bad("method: \"" + method + "\" (expected: an HTTP method such as GET)");
        }
        if (!List.of("outbound", "inbound", "all").contains(direction)) {
            return bad("direction: \"" + direction + "\" (expected: outbound, inbound or all)");
        }
        if (!pathPrefix.isEmpty() && !pathPrefix.startsWith("/")) {
            return bad("path-prefix: \"" + pathPrefix + "\" (expected: a path starting with /)");
        }
        if (params.containsKey("max")) {
            try {
                max = Long.parseLong(params.get("max").strip());
            } catch (NumberFormatException e) {
                max = 0;
            }
            if (max < 1) {
                return bad(
                        "max: \""
                                + params.get("max")
                                + "\" (expected: a whole number of requests, at least 1)");
            }
        }
        String id = taps.nodeName() + "-" + UUID.randomUUID();
        Pair<BoundedSourceQueue<String>, Source<String, NotUsed>> queued =
                Source.<String>queue(QUEUE).preMaterialize(system);
        ActorRef<Object> session =
                system.systemActorOf(
                        TapSession.create(queued.first(), max),
                        "tap-" + id.substring(id.length() - 36),
                        Props.empty());
        return subscribeAll(
                        id,
                        service,
                        pathPrefix,
                        method,
                        direction,
                        includeHeaders,
                        session.narrow())
                .thenApply(
                        answers -> {
                            List<ActorRef<TapActor.Command>> subscribed = new ArrayList<>();
                            List<Object> nodes = new ArrayList<>();
                            List<Object> refused = new ArrayList<>();
                            for (Answer a : answers) {
                                if (a.subscribed().ok()) {
                                    subscribed.add(a.member());
                                    nodes.add(a.subscribed().node());
                                } else {
                                    refused.add(
                                            Map.of(
                                                    "node",
                                                    a.subscribed().node(),
                                                    "reason",
                                                    a.subscribed().reason()));
                                }
                            }
                            nodes.sort(java.util.Comparator.comparing(Object::toString));
                            List<Object> missing = new ArrayList<>();
                            for (MemberView m : mesh.current().members()) {
                                if (!nodes.contains(m.name())
                                        && !m.status().equals("Removed")
                                        && !m.status().equals("Down")) {
                                    missing.add(m.name());
                                }
                            }
                            Map<String, Object> started = new LinkedHashMap<>();
                            started.put("type", "started");
                            started.put("service", service);
                            started.put("nodes", nodes);
                            started.put("missing", missing);
                            started.put("refused", refused);
                            Source<ByteString, NotUsed> lines =
                                    Source.single(Json.line(started))
                                            .concat(queued.second())
                                            .keepAlive(KEEP_ALIVE, () -> "")
                                            .mapMaterializedValue(
                                                    m -> {
                                                        session.tell(TapSession.STREAMING);
                                                        return m;
                                                    })
                                            .map(
                                                    line ->
                                                            ByteString.fromString(
                                                                    line + "\n",
                                                                    StandardCharsets.UTF_8))
                                            .watchTermination(
                                                    (notUsed, done) -> {
                                                        done.whenComplete(
                                                                (d, failure) -> {
                                                                    // Client gone, max reached or
                                                                    // the node stopping: every
                                                                    // member closes its side.
                                                                    subscribed.forEach(
                                                                            m ->
                                                                                    m.tell(
                                                                                            new TapActor
                                                                                                    .Unsubscribe(
                                                                                                    TapActor
                                                                                                            .PROTOCOL_VERSION,
                                                                                                    id)));
                                                                    queued.first().complete();
                                                                    session.tell(TapSession.STOP);
                                                                });
                                                        return NotUsed.getInstance();
                                                    });
                            return HttpResponse.create()
                                    .withStatus(StatusCodes.OK)
                                    .withEntity(
                                            HttpEntities.createChunked(
                                                    ContentTypes.APPLICATION_JSON, lines));
                        })
                .whenComplete(
                        (response, failure) -> {
                            if (failure != null) {
                                session.tell(TapSession.STOP);
                            }
                        });
    }

    private record Answer(ActorRef<TapActor.Command> member, TapActor.Subscribed subscribed) {}

    private CompletionStage<List<Answer>> subscribeAll(
            String id,
            String service,
            String pathPrefix,
            String method,
            String direction,
            boolean includeHeaders,
            ActorRef<TapActor.Batch> session) {
        CompletionStage<Receptionist.Listing> listing =
                AskPattern.ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(TapActor.KEY, replyTo),
                        SUBSCRIBE_TIMEOUT,
                        system.scheduler());
        return listing.thenCompose(
                l -> {
                    List<CompletableFuture<Optional<Answer>>> asks = new ArrayList<>();
                    for (ActorRef<TapActor.Command> ref : l.getServiceInstances(TapActor.KEY)) {
                        CompletionStage<TapActor.Subscribed> ask =
                                AskPattern.ask(
                                        ref,
                                        replyTo ->
                                                new TapActor.Subscribe(
                                                        TapActor.PROTOCOL_VERSION,
                                                        id,
                                                        service,
                                                        pathPrefix,
                                                        method,
                                                        direction,
                                                        includeHeaders,
                                                        session,
                                                        replyTo),
                                        SUBSCRIBE_TIMEOUT,
                                        system.scheduler());
                        asks.add(
                                ask.thenApply(s -> Optional.of(new Answer(ref, s)))
                                        .exceptionally(
                                                t -> {
                                                    // It may still have opened the tap after the
                                                    // timeout: tell it to close.
                                                    ref.tell(
                                                            new TapActor.Unsubscribe(
                                                                    TapActor.PROTOCOL_VERSION, id));
                                                    return Optional.empty();
                                                })
                                        .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                            .thenApply(
                                    v -> {
                                        List<Answer> out = new ArrayList<>();
                                        asks.forEach(f -> f.join().ifPresent(out::add));
                                        return out;
                                    });
                });
    }

    private static CompletionStage<HttpResponse> bad(String message) {
        return CompletableFuture.completedFuture(
                Json.error(StatusCodes.BAD_REQUEST, "invalid-parameter", message));
    }
}
