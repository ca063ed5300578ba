package io.rhizome.mesh.node.admin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.policy.PolicyActor;
import io.rhizome.mesh.node.policy.PolicyQueryActor;
import io.rhizome.mesh.node.policy.PolicySnapshot;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.ResourceCodec;
import io.rhizome.mesh.node.policy.ResourceError;
import io.rhizome.mesh.node.policy.ResourceKind;
import io.rhizome.mesh.node.policy.Versions;
import io.rhizome.mesh.protocol.v1.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The policy part of the admin API: {@code /v1/resources}, {@code /v1/apply}, {@code
 * /v1/config/digest}, {@code /v1/check}. Bodies and answers are the friendly shape
 * (docs/resources.md). Reads come from the local snapshot; writes go through {@link PolicyActor}.
 */
final class PolicyRoutes extends AllDirectives {
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration FAN_OUT_TIMEOUT = Duration.ofMillis(1000);
    private static final Duration RECEIPT_DELAY = Duration.ofMillis(150);

    private final ActorSystem<?> system;
    private final MeshView mesh;
    private final PolicyView policy;
    private final ActorRef<PolicyActor.Command> writer;

    PolicyRoutes(
            ActorSystem<?> system,
            MeshView mesh,
            PolicyView policy,
            ActorRef<PolicyActor.Command> writer) {
        this.system = system;
        this.mesh = mesh;
        this.policy = policy;
        this.writer = writer;
    }

    Route routes(java.util.function.Function<Route, Route> mutation) {
        return concat(
                path(PathMatchers.segment("config").slash("digest"), () -> get(this::digest)),
                path("check", () -> get(() -> completeWithFuture(check()))),
                path(
                        "apply",
                        () ->
                                post(
                                        () ->
                                                mutation.apply(
                                                        entityAsString(
                                                                body ->
                                                                        completeWithFuture(
                                                                                apply(
                                                                                        body, null,
                                                                                        null)))))),
                pathPrefix(
                        "resources",
                        () ->
                                concat(
                                        pathEnd(() -> get(() -> complete(list(null)))),
                                        path(
                                                PathMatchers.segment(),
                                                kind -> get(() -> complete(list(kind)))),
                                        path(
                                                PathMatchers.segment()
                                                        .slash(PathMatchers.segment()),
                                                (kind, name) ->
                                                        concat(
                                                                get(
                                                                        () ->
                                                                                complete(
                                                                                        one(
                                                                                                kind,
                                                                                                name))),
                                                                put(
                                                                        () ->
                                                                                mutation.apply(
                                                                                        entityAsString(
                                                                                                body ->
                                                                                                        completeWithFuture(
                                                                                                                apply(
                                                                                                                        body,
                                                                                                                        kind,
                                                                                                                        name))))),
                                                                delete(
                                                                        () ->
                                                                                mutation.apply(
                                                                                        completeWithFuture(
                                                                                                delete(
                                                                                                        kind,
                                                                                                        name)))))))));
    }

    private Route entityAsString(java.util.function.Function<String, Route> inner) {
        return entity(
                org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(), inner);
    }

    private Route digest() {
        PolicySnapshot s = policy.current();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("digest", s.digest());
        body.put("resources", s.liveCount());
        return complete(Json.response(StatusCodes.OK, body));
    }

    private HttpResponse list(String kind) {
        PolicySnapshot s = policy.current();
        List<Resource> resources;
        if (kind == null) {
            resources = s.allLive();
        } else {
            Optional<ResourceKind> k = ResourceKind.parse(kind);
            if (k.isEmpty()) {
                return unknownKind(kind);
            }
            resources = s.live(k.get().canonical());
        }
        List<Object> out = new ArrayList<>();
        resources.forEach(r -> out.add(ResourceCodec.toFriendly(r)));
        return Json.response(StatusCodes.OK, Map.of("resources", out));
    }

    private HttpResponse one(String kind, String name) {
        Optional<ResourceKind> k = ResourceKind.parse(kind);
        if (k.isEmpty()) {
            return unknownKind(kind);
        }
        Resource r = policy.current().find(k.get().canonical(), name);
        if (r == null || r.getDeleted()) {
            return Json.error(
                    StatusCodes.NOT_FOUND,
                    "not-found",
                    k.get().canonical() + " \"" + name + "\" does not exist");
        }
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(
                        org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_JSON,
                        Json.render(ResourceCodec.toFriendly(r)));
    }

    private static HttpResponse unknownKind(String kind) {
        return Json.error(
                StatusCodes.BAD_REQUEST,
                "unknown-kind",
                "kind \""
                        + kind
                        + "\" (expected: Route, DestinationPolicy, RateLimit or Authorization)");
    }

    /** A batch (POST /v1/apply), or one resource (PUT, with kind and name from the path). */
    private CompletionStage<HttpResponse> apply(String body, String pathKind, String pathName) {
        List<Resource> resources;
        try {
            if (pathKind != null) {
                Optional<ResourceKind> k = ResourceKind.parse(pathKind);
                if (k.isEmpty()) {
                    return CompletableFuture.completedFuture(unknownKind(pathKind));
                }
                Config doc =
                        ConfigFactory.parseString(
                                body.isBlank() ? "{}" : body,
                                com.typesafe.config.ConfigParseOptions.defaults()
                                        .setSyntax(com.typesafe.config.ConfigSyntax.JSON));
                if (!doc.hasPath("kind")) {
                    doc = doc.withValue("kind", ConfigValueFactory.fromAnyRef(k.get().canonical()));
                }
                if (!doc.hasPath("name")) {
                    doc = doc.withValue("name", ConfigValueFactory.fromAnyRef(pathName));
                }
                resources = ResourceCodec.parseDocument(doc);
                Resource r = resources.get(0);
                if (resources.size() != 1
                        || !r.getKind().equals(k.get().canonical())
                        || !r.getName().equals(pathName)) {
                    return CompletableFuture.completedFuture(
                            Json.error(
                                    StatusCodes.BAD_REQUEST,
                                    "invalid-resource",
                                    "the body names "
                                            + r.getKind()
                                            + "/"
                                            + r.getName()
                                            + " (expected: "
                                            + k.get().canonical()
                                            + "/"
                                            + pathName
                                            + ", as in the path)"));
                }
            } else {
                resources = ResourceCodec.parseJson(body);
            }
        } catch (ResourceError e) {
            return CompletableFuture.completedFuture(invalid(e.getMessage()));
        } catch (ConfigException e) {
            return CompletableFuture.completedFuture(
                    invalid(
                            "document: "
                                    + e.getMessage().replaceAll("\\s*\\R\\s*", " ")
                                    + " (expected: a JSON resource or {\"resources\": [...]})"));
        }
        try {
            io.rhizome.mesh.node.policy.TcpServiceRules.check(
                    resources,
                    service ->
                            mesh.current().endpoints(service).stream()
                                    .anyMatch(io.rhizome.mesh.node.discovery.MeshEndpoint::tcp),
                    pathKind == null && body.contains("\"resources\""));
        } catch (ResourceError e) {
            return CompletableFuture.completedFuture(invalid(e.getMessage()));
        }
        List<Resource> batch = resources;
        return AskPattern.<PolicyActor.Command, PolicyActor.Outcome>ask(
                        writer,
                        replyTo -> new PolicyActor.Apply(batch, replyTo),
                        ASK_TIMEOUT,
                        system.scheduler())
                .thenCompose(this::withReceipts);
    }

    private static HttpResponse invalid(String message) {
        return Json.error(StatusCodes.BAD_REQUEST, "invalid-resource", message);
    }

    private CompletionStage<HttpResponse> delete(String kind, String name) {
        Optional<ResourceKind> k = ResourceKind.parse(kind);
        if (k.isEmpty()) {
            return CompletableFuture.completedFuture(unknownKind(kind));
        }
        return AskPattern.<PolicyActor.Command, PolicyActor.Outcome>ask(
                        writer,
                        replyTo -> new PolicyActor.Delete(k.get().canonical(), name, replyTo),
                        ASK_TIMEOUT,
                        system.scheduler())
                .thenCompose(
                        outcome -> {
                            if (outcome.changes().get(0).status()
                                    == PolicyActor.ChangeStatus.NOT_FOUND) {
                                return CompletableFuture.completedFuture(
                                        Json.error(
                                                StatusCodes.NOT_FOUND,
                                                "not-found",
                                                k.get().canonical()
                                                        + " \""
                                                        + name
                                                        + "\" does not exist"));
                            }
                            return withReceipts(outcome);
                        });
    }

    /** Counts the members that hold every written version: the "seen by N/M nodes" receipt. */
    private CompletionStage<HttpResponse> withReceipts(PolicyActor.Outcome outcome) {
        int members =
                Math.max(
                        1,
                        (int)
                                mesh.current().members().stream()
                                        .filter(
                                                m ->
                                                        !m.status().equals("Removed")
                                                                && !m.status().equals("Down"))
                                        .count());
        String[] keys =
                outcome.written().stream()
                        .map(r -> r.getKind() + "/" + r.getName())
                        .toArray(String[]::new);
        String[] versions =
                outcome.written().stream()
                        .map(r -> Versions.format(r.getVersion()))
                        .toArray(String[]::new);
        // Every member acknowledging the write (none unreachable) means every member holds it;
        // otherwise ask them,
        // after a moment for their replicas to publish what gossip brought.
        boolean allReachable = mesh.current().members().stream().allMatch(m -> m.reachable());
        CompletionStage<Integer> seen =
                outcome.written().isEmpty() || (outcome.acknowledged() && allReachable)
                        ? CompletableFuture.completedFuture(members)
                        : org.apache.pekko.pattern.Patterns.after(
                                        RECEIPT_DELAY,
                                        system.classicSystem().scheduler(),
                                        system.executionContext(),
                                        () ->
                                                fanOut(
                                                        ref ->
                                                                AskPattern
                                                                        .<PolicyQueryActor.Query,
                                                                                PolicyQueryActor
                                                                                        .Holds>
                                                                                ask(
                                                                                        ref,
                                                                                        replyTo ->
                                                                                                new PolicyQueryActor
                                                                                                        .HasVersions(
                                                                                                        1,
                                                                                                        keys,
                                                                                                        versions,
                                                                                                        replyTo),
                                                                                        FAN_OUT_TIMEOUT,
                                                                                        system
                                                                                                .scheduler())))
                                .thenApply(
                                        answers ->
                                                (int)
                                                        answers.stream()
                                                                .filter(PolicyQueryActor.Holds::all)
                                                                .count());
        return seen.thenApply(
                n -> {
                    List<Object> results = new ArrayList<>();
                    for (PolicyActor.Change c : outcome.changes()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("kind", c.kind());
                        m.put("name", c.name());
                        m.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
                        if (c.version() != null) {
                            m.put("version", Versions.format(c.version()));
                        }
                        results.add(m);
                    }
                    int seenBy = Math.max(1, Math.min(n, members));
                    // "Replicating" is what the receipt shows: a member that does not hold the
                    // write yet. A
                    // write whose WriteAll timed out because a member was then being downed is not
                    // replicating once every remaining member holds it (no more "202, seen by
                    // 2/2").
                    boolean replicating = seenBy < members;
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("results", results);
                    body.put("seen-by", seenBy);
                    body.put("members", members);
                    body.put("replicating", replicating);
                    return Json.response(replicating ? StatusCodes.ACCEPTED : StatusCodes.OK, body);
                });
    }

    /**
     * Members, reachability and each member's policy digest (converged when all are equal), and the
     * certificate each presents (asked at the same time; a member that does not answer that has
     * none listed).
     */
    private CompletionStage<HttpResponse> check() {
        CompletionStage<List<PolicyQueryActor.CertificateState>> certificates =
                fanOut(
                                ref ->
                                        AskPattern
                                                .<PolicyQueryActor.Query,
                                                        PolicyQueryActor.CertificateState>
                                                        ask(
                                                                ref,
                                                                replyTo ->
                                                                        new PolicyQueryActor
                                                                                .GetCertificate(
                                                                                1, replyTo),
                                                                FAN_OUT_TIMEOUT,
                                                                system.scheduler()))
                        // Certificates are extra: without them the check still answers.
                        .exceptionally(t -> List.of());
        return fanOut(
                        ref ->
                                AskPattern
                                        .<PolicyQueryActor.Query, PolicyQueryActor.PolicyState>ask(
                                                ref,
                                                replyTo ->
                                                        new PolicyQueryActor.GetPolicyState(
                                                                1, replyTo),
                                                FAN_OUT_TIMEOUT,
                                                system.scheduler()))
                .thenCombine(
                        certificates,
                        (states, certs) -> {
                            Map<String, PolicyQueryActor.PolicyState> byNode =
                                    new LinkedHashMap<>();
                            states.forEach(s -> byNode.put(s.node(), s));
                            Map<String, PolicyQueryActor.CertificateState> certByNode =
                                    new LinkedHashMap<>();
                            certs.forEach(c -> certByNode.put(c.node(), c));
                            String local = policy.current().digest();
                            boolean converged = true;
                            List<Object> members = new ArrayList<>();
                            for (var m : mesh.current().members()) {
                                PolicyQueryActor.PolicyState s = byNode.get(m.name());
                                Map<String, Object> row = new LinkedHashMap<>();
                                row.put("name", m.name());
                                row.put("status", m.status());
                                row.put("reachable", m.reachable());
                                row.put("answered", s != null);
                                row.put("digest", s == null ? "" : s.digest());
                                row.put("resources", s == null ? 0 : s.resources());
                                PolicyQueryActor.CertificateState c = certByNode.get(m.name());
                                if (c != null && !c.identity().isEmpty()) {
                                    Map<String, Object> certificate = new LinkedHashMap<>();
                                    certificate.put("identity", c.identity());
                                    certificate.put(
                                            "not-after",
                                            java.time.Instant.ofEpochMilli(c.notAfterMillis())
                                                    .toString());
                                    certificate.put("lifetime-seconds", c.lifetimeSeconds());
                                    certificate.put(
                                            "expires-in-seconds",
                                            (c.notAfterMillis() - System.currentTimeMillis())
                                                    / 1000);
                                    row.put("certificate", certificate);
                                }
                                boolean same = s != null && s.digest().equals(local);
                                row.put("converged", same && m.reachable());
                                converged &= same && m.reachable();
                                members.add(row);
                            }
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("converged", converged);
                            body.put("digest", local);
                            body.put("members", members);
                            return Json.response(StatusCodes.OK, body);
                        });
    }

    private <T> CompletionStage<List<T>> fanOut(
            java.util.function.Function<ActorRef<PolicyQueryActor.Query>, CompletionStage<T>> ask) {
        CompletionStage<Receptionist.Listing> listing =
                AskPattern.ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(PolicyQueryActor.KEY, replyTo),
                        FAN_OUT_TIMEOUT,
                        system.scheduler());
        return listing.thenCompose(
                l -> {
                    List<CompletableFuture<Optional<T>>> asks = new ArrayList<>();
                    for (ActorRef<PolicyQueryActor.Query> ref :
                            l.getServiceInstances(PolicyQueryActor.KEY)) {
                        asks.add(
                                ask.apply(ref)
                                        .thenApply(Optional::of)
                                        .exceptionally(t -> Optional.empty())
                                        .toCompletableFuture());
                    }
                    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                            .thenApply(
                                    v -> {
                                        List<T> out = new ArrayList<>();
                                        asks.forEach(f -> f.join().ifPresent(out::add));
                                        return out;
                                    });
                });
    }
}
