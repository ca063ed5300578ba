package io.rhizome.mesh.node.admin;

import io.rhizome.mesh.node.discovery.MemberView;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.policy.PolicyQueryActor;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.Versions;
import io.rhizome.mesh.protocol.v1.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/convergence}: every resource this node holds, with its version and how many
 * members hold that version or a newer one (the receipt {@code meshctl apply} prints, at any later
 * time). Asks every member for its versions (Kryo fan-out, 1 s).
 */
final class ConvergenceRoutes extends AllDirectives {
    static final Duration FAN_OUT_TIMEOUT = Duration.ofMillis(1000);

    private final ActorSystem<?> system;
    private final MeshView mesh;
    private final PolicyView policy;

    ConvergenceRoutes(ActorSystem<?> system, MeshView mesh, PolicyView policy) {
        this.system = system;
        this.mesh = mesh;
        this.policy = policy;
    }

    Route routes() {
        return path("convergence", () -> get(() -> completeWithFuture(convergence())));
    }

    private CompletionStage<HttpResponse> convergence() {
        return held().thenApply(
                        answers -> {
                            int members =
                                    (int)
                                            mesh.current().members().stream()
                                                    .filter(
                                                            m ->
                                                                    !m.status().equals("Removed")
                                                                            && !m.status()
                                                                                    .equals("Down"))
                                                    .count();
                            List<Map<String, String>> byNode = new ArrayList<>();
                            List<Object> answered = new ArrayList<>();
                            for (PolicyQueryActor.HeldVersions h : answers) {
                                Map<String, String> versions = new HashMap<>();
                                for (int i = 0; i < h.keys().length; i++) {
                                    versions.put(h.keys()[i], h.versions()[i]);
                                }
                                byNode.add(versions);
                                answered.add(h.node());
                            }
                            answered.sort(Comparator.comparing(Object::toString));
                            List<Resource> live = new ArrayList<>(policy.current().allLive());
                            live.sort(
                                    Comparator.comparing(Resource::getKind)
                                            .thenComparing(Resource::getName));
                            List<Object> resources = new ArrayList<>();
                            for (Resource r : live) {
                                String key = r.getKind() + "/" + r.getName();
                                int seen = 0;
                                for (Map<String, String> versions : byNode) {
                                    String theirs = versions.get(key);
                                    if (theirs != null
                                            && r.hasVersion()
                                            && atLeast(theirs, r.getVersion())) {
                                        seen++;
                                    }
                                }
                                Map<String, Object> row = new LinkedHashMap<>();
                                row.put("kind", r.getKind());
                                row.put("name", r.getName());
                                row.put(
                                        "version",
                                        r.hasVersion() ? Versions.format(r.getVersion()) : "");
                                row.put(
                                        "written-at",
                                        r.hasVersion()
                                                ? Instant.ofEpochMilli(
                                                                r.getVersion().getPhysicalMillis())
                                                        .toString()
                                                : "");
                                row.put("seen-by", seen);
                                row.put("members", Math.max(members, answered.size()));
                                resources.add(row);
                            }
                            List<Object> silent = new ArrayList<>();
                            for (MemberView m : mesh.current().members()) {
                                if (!answered.contains(m.name())
                                        && !m.status().equals("Removed")
                                        && !m.status().equals("Down")) {
                                    silent.add(m.name());
                                }
                            }
                            Map<String, Object> body = new LinkedHashMap<>();
                            body.put("members", Math.max(members, answered.size()));
                            body.put("answered", answered);
                            body.put("missing", silent);
                            body.put("resources", resources);
                            return Json.response(StatusCodes.OK, body);
                        });
    }

    /** Whether {@code formatted} ({@code physical.logical@node}) is {@code v} or newer. */
    static boolean atLeast(String formatted, io.rhizome.mesh.protocol.v1.Version v) {
        if (formatted.equals(Versions.format(v))) {
            return true;
        }
        int dot = formatted.indexOf('.');
        int at = formatted.indexOf('@');
        if (dot < 0 || at < dot) {
            return false;
        }
        try {
            return Versions.isNewer(
                    io.rhizome.mesh.protocol.v1.Version.newBuilder()
                            .setPhysicalMillis(Long.parseLong(formatted.substring(0, dot)))
                            .setLogical(Integer.parseInt(formatted.substring(dot + 1, at)))
                            .setNode(formatted.substring(at + 1))
                            .build(),
                    v);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private CompletionStage<List<PolicyQueryActor.HeldVersions>> held() {
        CompletionStage<Receptionist.Listing> listing =
                AskPattern.ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(PolicyQueryActor.KEY, replyTo),
                        FAN_OUT_TIMEOUT,
                        system.scheduler());
        return listing.thenCompose(
                l -> {
                    List<CompletableFuture<Optional<PolicyQueryActor.HeldVersions>>> asks =
                            new ArrayList<>();
                    for (ActorRef<PolicyQueryActor.Query> ref :
                            l.getServiceInstances(PolicyQueryActor.KEY)) {
                        CompletionStage<PolicyQueryActor.HeldVersions> ask =
                                AskPattern.ask(
                                        ref,
                                        replyTo -> new PolicyQueryActor.GetVersions(1, replyTo),
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
                                        List<PolicyQueryActor.HeldVersions> out = new ArrayList<>();
                                        asks.forEach(f -> f.join().ifPresent(out::add));
                                        return out;
                                    });
                });
    }
}
