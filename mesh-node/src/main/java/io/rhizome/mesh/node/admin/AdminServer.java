package io.rhizome.mesh.node.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.rhizome.mesh.node.cluster.NodeInfoActor;
import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.discovery.MemberView;
import io.rhizome.mesh.node.discovery.MeshEndpoint;
import io.rhizome.mesh.node.discovery.MeshSnapshot;
import io.rhizome.mesh.node.discovery.MeshView;
import io.rhizome.mesh.node.loadbalancing.EndpointSelector;
import io.rhizome.mesh.node.observability.metrics.NodeMetrics;
import io.rhizome.mesh.node.observability.tap.TapHub;
import io.rhizome.mesh.node.policy.PolicyActor;
import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.security.tls.MeshTls;
import io.rhizome.mesh.pki.IdentityPattern;
import io.rhizome.mesh.pki.SpiffeId;
import io.rhizome.mesh.protocol.v1.EndpointView;
import io.rhizome.mesh.protocol.v1.EndpointsResponse;
import io.rhizome.mesh.protocol.v1.ErrorResponse;
import io.rhizome.mesh.protocol.v1.Member;
import io.rhizome.mesh.protocol.v1.MembersResponse;
import io.rhizome.mesh.protocol.v1.ReadyResponse;
import io.rhizome.mesh.protocol.v1.ServiceSummary;
import io.rhizome.mesh.protocol.v1.ServicesResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.SslSessionInfo;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin HTTP API ({@code rhizome.admin}): what {@code meshctl} and Prometheus talk to. JSON in
 * the shapes of architecture.md §8 (kebab-case keys), or binary protobuf for {@code Accept:
 * application/x-protobuf}.
 */
public final class AdminServer extends AllDirectives {
    private static final ContentType PROTOBUF =
            MediaTypes.applicationBinary("x-protobuf", false).toContentType();
    private static final JsonFormat.Printer JSON =
            JsonFormat.printer().alwaysPrintFieldsWithNoPresence();
    private static final Duration FAN_OUT_TIMEOUT = Duration.ofMillis(1500);

    /** Whether the node is ready, for /readyz (architecture.md §4). */
    public interface Readiness {
        ReadyResponse check();
    }

    private final ActorSystem<?> system;
    private final MeshView view;
    private final EndpointSelector selector;
    private final Readiness readiness;
    private final Map<String, NodeInfoActor.NodeInfo> lastKnown = new ConcurrentHashMap<>();
    private final PolicyRoutes policyRoutes;
    private final StatsRoutes statsRoutes;
    private final TapRoutes tapRoutes;
    private final ConvergenceRoutes convergenceRoutes;
    private final UiRoutes uiRoutes = new UiRoutes();
    private final String token;

    /** {@code rhizome.admin.tls.allowed-identities}: empty when the admin API speaks plain HTTP. */
    private final List<IdentityPattern> clientIdentities;

    /**
     * Bound off loopback (where a credential is required, see SettingsLoader), or HTTPS with client
     * certificates: reads need a credential too.
     */
    private final boolean credentialForReads;

    private final HostPort address;
    private final NodeMetrics metrics;
    private final ContentType metricsType = ContentTypes.parse(NodeMetrics.contentType());
    private final MeshTls tls;

    /** What the admin API reads and writes: the node's parts it answers for. */
    public record Parts(
            ActorSystem<?> system,
            MeshView view,
            EndpointSelector selector,
            Readiness readiness,
            PolicyView policy,
            ActorRef<PolicyActor.Command> policyWriter,
            NodeMetrics metrics,
            MeshTls tls,
            TapHub taps) {}

    /**
     * @param address where it listens ({@code rhizome.admin})
     * @param token the bearer token changes (and, off loopback or over HTTPS, reads) need; "" for
     *     none
     * @param clientIdentities callers whose certificates open the API, which then speaks HTTPS only
     */
    public AdminServer(Parts parts, HostPort address, String token, List<String> clientIdentities) {
        if (!clientIdentities.isEmpty() && !parts.tls().enabled()) {
            throw new IllegalArgumentException("admin client certificates need the node's mTLS on");
        }
        this.address = address;
        this.clientIdentities = clientIdentities.stream().map(IdentityPattern::new).toList();
        this.credentialForReads = !address.isLoopback() || httpsOnly();
        this.metrics = parts.metrics();
        this.tls = parts.tls();
        this.system = parts.system();
        this.view = parts.view();
        this.selector = parts.selector();
        this.readiness = parts.readiness();
        this.policyRoutes = new PolicyRoutes(system, view, parts.policy(), parts.policyWriter());
        this.statsRoutes = new StatsRoutes(system, view);
        this.tapRoutes = new TapRoutes(system, view, parts.taps());
        this.convergenceRoutes = new ConvergenceRoutes(system, view, parts.policy());
        this.token = token;
    }

    public CompletionStage<ServerBinding> bind() {
        var server = Http.get(system).newServerAt(address.host(), address.port());
        if (httpsOnly()) {
            // A new engine per connection: certificates reloaded since are used by the next
            // handshake.
            server = server.enableHttps(ConnectionContext.httpsServer(tls::newAdminEngine));
        }
        return server.bind(routes());
    }

    private boolean httpsOnly() {
        return !clientIdentities.isEmpty();
    }

    Route routes() {
        return handleRejections(
                rejections(),
                () ->
                        concat(
                                path("healthz", () -> get(() -> complete(StatusCodes.OK, "ok\n"))),
                                path("readyz", () -> get(this::ready)),
                                uiRoutes.routes(),
                                path(
                                        "metrics",
                                        () ->
                                                get(
                                                        () ->
                                                                reading(
                                                                        complete(
                                                                                HttpResponse
                                                                                        .create()
                                                                                        .withEntity(
                                                                                                metricsType,
                                                                                                metrics.scrape()
                                                                                                        .getBytes(
                                                                                                                java
                                                                                                                        .nio
                                                                                                                        .charset
                                                                                                                        .StandardCharsets
                                                                                                                        .UTF_8)))))),
                                pathPrefix(
                                        "v1",
                                        () ->
                                                reading(
                                                        concat(
                                                                path(
                                                                        "members",
                                                                        () ->
                                                                                get(
                                                                                        () ->
                                                                                                accepting(
                                                                                                        accept ->
                                                                                                                completeWithFuture(
                                                                                                                        members()
                                                                                                                                .thenApply(
                                                                                                                                        m ->
                                                                                                                                                respond(
                                                                                                                                                        StatusCodes
                                                                                                                                                                .OK,
                                                                                                                                                        m,
                                                                                                                                                        accept)))))),
                                                                path(
                                                                        "tls",
                                                                        () ->
                                                                                get(
                                                                                        () ->
                                                                                                accepting(
                                                                                                        accept ->
                                                                                                                complete(
                                                                                                                        respond(
                                                                                                                                StatusCodes
                                                                                                                                        .OK,
                                                                                                                                tls
                                                                                                                                        .status(),
                                                                                                                                accept))))),
                                                                path(
                                                                        "services",
                                                                        () ->
                                                                                get(
                                                                                        () ->
                                                                                                accepting(
                                                                                                        accept ->
                                                                                                                complete(
                                                                                                                        respond(
                                                                                                                                StatusCodes
                                                                                                                                        .OK,
                                                                                                                                services(),
                                                                                                                                accept))))),
                                                                path(
                                                                        PathMatchers.segment(
                                                                                        "services")
                                                                                .slash(
                                                                                        PathMatchers
                                                                                                .segment())
                                                                                .slash("endpoints"),
                                                                        name ->
                                                                                get(
                                                                                        () ->
                                                                                                accepting(
                                                                                                        accept ->
                                                                                                                complete(
                                                                                                                        endpoints(
                                                                                                                                name,
                                                                                                                                accept))))),
                                                                statsRoutes.routes(),
                                                                tapRoutes.routes(),
                                                                convergenceRoutes.routes(),
                                                                policyRoutes.routes(
                                                                        this::mutation))))));
    }

    /**
     * A known path with another method is 405 (GET never changes anything; changes are PUT, POST
     * and DELETE only), an unknown path 404; a body over {@code
     * pekko.http.server.parsing.max-content-length} is 413 (Pekko's own answer).
     */
    private RejectionHandler rejections() {
        return RejectionHandler.newBuilder()
                .handleAll(
                        MethodRejection.class,
                        rejected -> {
                            String allowed =
                                    rejected.stream()
                                            .map(r -> r.supported().name())
                                            .distinct()
                                            .sorted()
                                            .collect(java.util.stream.Collectors.joining(", "));
                            return respondWithHeader(
                                    RawHeader.create("Allow", allowed),
                                    () ->
                                            extractMethod(
                                                    m ->
                                                            complete(
                                                                    error(
                                                                            StatusCodes
                                                                                    .METHOD_NOT_ALLOWED,
                                                                            "method-not-allowed",
                                                                            m.name()
                                                                                    + " is not allowed here (expected: "
                                                                                    + allowed
                                                                                    + ")"))));
                        })
                .handleNotFound(
                        extractUnmatchedPath(
                                p ->
                                        complete(
                                                error(
                                                        StatusCodes.NOT_FOUND,
                                                        "not-found",
                                                        "no admin resource at "
                                                                + p
                                                                + " (expected: /v1/members, /v1/services, /v1/services/{name}/endpoints, "
                                                                + "/v1/resources[/{kind}[/{name}]], /v1/apply, /v1/config/digest, /v1/check, /v1/stat, /v1/tap, /v1/taps, /v1/convergence, /v1/tls, /healthz, /readyz, /metrics, /ui)"))))
                .build();
    }

    /**
     * Off loopback or over HTTPS with client certificates, reads need a credential too: the API
     * describes the whole mesh. Probes and the dashboard's page (not its data) stay open.
     */
    private Route reading(Route inner) {
        return credentialForReads ? authorized(inner) : inner;
    }

    /** Mutations need a credential when one is configured, on loopback too (architecture.md §6). */
    private Route mutation(Route inner) {
        return token.isEmpty() && !httpsOnly() ? inner : authorized(inner);
    }

    /**
     * The bearer token, or a client certificate whose SPIFFE id is allowed: either opens
     * everything.
     */
    private Route authorized(Route inner) {
        return optionalHeaderValueByName(
                "Authorization",
                header -> {
                    if (!token.isEmpty()
                            && header.filter(h -> constantTimeEquals(h, "Bearer " + token))
                                    .isPresent()) {
                        return inner;
                    }
                    if (!httpsOnly()) {
                        return complete(unauthorized());
                    }
                    return optionalAttribute(
                            AttributeKeys.sslSession,
                            session -> {
                                Optional<String> caller =
                                        session.flatMap(AdminServer::clientIdentity);
                                if (caller.isEmpty()) {
                                    return complete(unauthorized());
                                }
                                if (clientIdentities.stream()
                                        .anyMatch(p -> p.matches(caller.get()))) {
                                    return inner;
                                }
                                return complete(
                                        error(
                                                StatusCodes.FORBIDDEN,
                                                "forbidden",
                                                caller.get()
                                                        + " is not allowed to use this admin API (expected: an identity in rhizome.admin.tls.allowed-identities"
                                                        + (token.isEmpty() ? "" : ", or the token")
                                                        + ")"));
                            });
                });
    }

    private HttpResponse unauthorized() {
        String expected;
        if (!httpsOnly()) {
            expected =
                    "a token"
                            + (credentialForReads ? "" : " for changes")
                            + " (expected: Authorization: Bearer <rhizome.admin.token>; meshctl reads $MESH_TOKEN)";
        } else {
            expected =
                    "a client certificate"
                            + (token.isEmpty() ? "" : " or a token")
                            + " (expected: the certificate of an identity in rhizome.admin.tls.allowed-identities;"
                            + " meshctl --tls-cert/--tls-key or $MESH_CERT/$MESH_KEY"
                            + (token.isEmpty() ? "" : ", or $MESH_TOKEN")
                            + ")";
        }
        return error(StatusCodes.UNAUTHORIZED, "unauthorized", "this node requires " + expected);
    }

    /**
     * The verified SPIFFE id of an HTTPS client that presented a certificate (the handshake checked
     * its chain).
     */
    private static Optional<String> clientIdentity(SslSessionInfo session) {
        try {
            java.security.cert.Certificate[] chain = session.getSession().getPeerCertificates();
            if (chain.length == 0
                    || !(chain[0] instanceof java.security.cert.X509Certificate leaf)) {
                return Optional.empty();
            }
            return Optional.of(SpiffeId.of(leaf).toString());
        } catch (javax.net.ssl.SSLPeerUnverifiedException | io.rhizome.mesh.pki.PkiException e) {
            return Optional.empty();
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return java.security.MessageDigest.isEqual(
                a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private Route accepting(java.util.function.Function<Boolean, Route> inner) {
        return optionalHeaderValueByName(
                "Accept",
                accept ->
                        inner.apply(
                                accept.map(a -> a.contains("application/x-protobuf"))
                                        .orElse(false)));
    }

    private Route ready() {
        ReadyResponse r = readiness.check();
        return complete(
                respond(r.getReady() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, r, false));
    }

    ServicesResponse services() {
        MeshSnapshot snapshot = view.current();
        ServicesResponse.Builder out = ServicesResponse.newBuilder();
        snapshot.services()
                .forEach(
                        (name, endpoints) -> {
                            TreeSet<String> nodes = new TreeSet<>();
                            int routable = 0;
                            for (MeshEndpoint e : endpoints) {
                                nodes.add(e.node());
                                if (selector.exclusionReason(e).isEmpty()) {
                                    routable++;
                                }
                            }
                            out.addServices(
                                    ServiceSummary.newBuilder()
                                            .setName(name)
                                            .setEndpoints(endpoints.size())
                                            .setRoutable(routable)
                                            .addAllNodes(nodes));
                        });
        return out.build();
    }

    private HttpResponse endpoints(String name, boolean protobuf) {
        MeshSnapshot snapshot = view.current();
        if (!snapshot.hasService(name)) {
            return error(
                    StatusCodes.NOT_FOUND,
                    "unknown-service",
                    "no mesh service named \"" + name + "\"");
        }
        EndpointsResponse.Builder out = EndpointsResponse.newBuilder().setService(name);
        for (MeshEndpoint e : snapshot.endpoints(name)) {
            String reason = selector.exclusionReason(e);
            out.addEndpoints(
                    EndpointView.newBuilder()
                            .setNode(e.node())
                            .setAddress(e.address().toString())
                            .setInbound(e.inbound().toString())
                            .putAllLabels(e.labels())
                            .setStatus(e.status().name())
                            .setReachable(e.reachable())
                            .setRoutable(reason.isEmpty())
                            .setReason(reason));
        }
        return respond(StatusCodes.OK, out.build(), protobuf);
    }

    /**
     * Members with each one's version and uptime, asked of the members themselves (Kryo messages).
     */
    CompletionStage<MembersResponse> members() {
        return nodeInfos()
                .thenApply(
                        infos -> {
                            MeshSnapshot snapshot = view.current();
                            Map<String, TreeSet<String>> servicesByNode = new TreeMap<>();
                            snapshot.services()
                                    .forEach(
                                            (service, endpoints) ->
                                                    endpoints.forEach(
                                                            e ->
                                                                    servicesByNode
                                                                            .computeIfAbsent(
                                                                                    e.node(),
                                                                                    k ->
                                                                                            new TreeSet<>())
                                                                            .add(service)));
                            MembersResponse.Builder out = MembersResponse.newBuilder();
                            long now = System.currentTimeMillis();
                            for (MemberView m : snapshot.members()) {
                                NodeInfoActor.NodeInfo info = infos.get(m.name());
                                Member.Builder b =
                                        Member.newBuilder()
                                                .setName(m.name())
                                                .setAddress(m.address())
                                                .setStatus(m.status())
                                                .setReachable(m.reachable())
                                                .addAllServices(
                                                        servicesByNode.getOrDefault(
                                                                m.name(), new TreeSet<>()));
                                if (info != null) {
                                    b.setVersion(info.version())
                                            .setUptimeSeconds(
                                                    (int)
                                                            Math.max(
                                                                    0,
                                                                    (now - info.startedAtMillis())
                                                                            / 1000))
                                            .setProtocolVersion(info.protocolVersion());
                                } else {
                                    b.setVersion("unknown");
                                }
                                out.addMembers(b);
                            }
                            return out.build();
                        });
    }

    private CompletionStage<Map<String, NodeInfoActor.NodeInfo>> nodeInfos() {
        CompletionStage<Receptionist.Listing> listing =
                AskPattern.ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(NodeInfoActor.KEY, replyTo),
                        FAN_OUT_TIMEOUT,
                        system.scheduler());
        return listing.thenCompose(
                        l -> {
                            List<CompletableFuture<Optional<NodeInfoActor.NodeInfo>>> asks =
                                    new ArrayList<>();
                            for (var ref : l.getServiceInstances(NodeInfoActor.KEY)) {
                                CompletionStage<NodeInfoActor.NodeInfo> ask =
                                        AskPattern.ask(
                                                ref,
                                                replyTo ->
                                                        new NodeInfoActor.GetNodeInfo(
                                                                NodeInfoActor.PROTOCOL_VERSION,
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
                                                for (var f : asks) {
                                                    f.join()
                                                            .ifPresent(
                                                                    info ->
                                                                            lastKnown.put(
                                                                                    info.name(),
                                                                                    info));
                                                }
                                                // A peer that did not answer this time keeps what
                                                // it said last time.
                                                return Map.copyOf(lastKnown);
                                            });
                        })
                .exceptionally(t -> Map.copyOf(lastKnown));
    }

    static HttpResponse error(StatusCode status, String error, String message) {
        return respond(
                status,
                ErrorResponse.newBuilder().setError(error).setMessage(message).build(),
                false);
    }

    static HttpResponse respond(StatusCode status, Message message, boolean protobuf) {
        if (protobuf) {
            return HttpResponse.create()
                    .withStatus(status)
                    .withEntity(PROTOBUF, message.toByteArray());
        }
        try {
            return HttpResponse.create()
                    .withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.print(message) + "\n");
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("admin response not printable as JSON", e);
        }
    }
}
