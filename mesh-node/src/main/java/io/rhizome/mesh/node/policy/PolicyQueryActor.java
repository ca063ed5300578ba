package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.node.serialization.KryoMessage;
import io.rhizome.mesh.protocol.v1.Resource;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Answers peers about this node's policy state (node-to-node, Kryo): its digest, for {@code meshctl
 * check}, and whether it holds given resource versions yet, for the "seen by N/M nodes" receipts of
 * {@code meshctl apply}. Reads the published snapshot only.
 */
public final class PolicyQueryActor {
    public static final ServiceKey<Query> KEY =
            ServiceKey.create(Query.class, "rhizome-policy-query");

    public sealed interface Query extends KryoMessage {}

    public record GetPolicyState(int protocolVersion, ActorRef<PolicyState> replyTo)
            implements Query {}

    public record PolicyState(
            int protocolVersion, String node, String digest, int resources, boolean loaded)
            implements KryoMessage {}

    /**
     * For {@code /v1/check}: the certificate a member presents, so that one check covers the whole
     * mesh. A message of its own (not fields added to {@link PolicyState}): a member of an older
     * build does not know it and stays silent, while its policy digest still decodes.
     */
    public record GetCertificate(int protocolVersion, ActorRef<CertificateState> replyTo)
            implements Query {}

    /** {@code identity} "" with TLS off. */
    public record CertificateState(
            int protocolVersion,
            String node,
            String identity,
            long notAfterMillis,
            long lifetimeSeconds)
            implements KryoMessage {}

    /** The certificate a node presents now; {@link #NONE} with TLS off. */
    public record Certificate(String identity, long notAfterMillis, long lifetimeSeconds) {
        public static final Certificate NONE = new Certificate("", 0, 0);
    }

    /** {@code keys[i]} is {@code kind/name}; {@code versions[i]} the formatted version written. */
    public record HasVersions(
            int protocolVersion, String[] keys, String[] versions, ActorRef<Holds> replyTo)
            implements Query {}

    public record Holds(int protocolVersion, String node, boolean all) implements KryoMessage {}

    /**
     * Every live resource this node holds and its version, for the dashboard's "seen by N/M nodes".
     */
    public record GetVersions(int protocolVersion, ActorRef<HeldVersions> replyTo)
            implements Query {}

    /** {@code keys[i]} is {@code kind/name}; {@code versions[i]} its formatted version. */
    public record HeldVersions(int protocolVersion, String node, String[] keys, String[] versions)
            implements KryoMessage {}

    private PolicyQueryActor() {}

    public static Behavior<Query> create(String nodeName, PolicyView view) {
        return create(nodeName, view, () -> Certificate.NONE);
    }

    public static Behavior<Query> create(
            String nodeName,
            PolicyView view,
            java.util.function.Supplier<Certificate> certificate) {
        return Behaviors.setup(
                ctx -> {
                    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
                    return Behaviors.receiveMessage(
                            query -> {
                                PolicySnapshot s = view.current();
                                if (query instanceof GetPolicyState get) {
                                    get.replyTo()
                                            .tell(
                                                    new PolicyState(
                                                            1,
                                                            nodeName,
                                                            s.digest(),
                                                            s.liveCount(),
                                                            s.loaded()));
                                } else if (query instanceof GetCertificate get) {
                                    Certificate c = certificate.get();
                                    get.replyTo()
                                            .tell(
                                                    new CertificateState(
                                                            1,
                                                            nodeName,
                                                            c.identity(),
                                                            c.notAfterMillis(),
                                                            c.lifetimeSeconds()));
                                } else if (query instanceof HasVersions has) {
                                    has.replyTo().tell(new Holds(1, nodeName, holds(s, has)));
                                } else if (query instanceof GetVersions get) {
                                    java.util.List<Resource> live = s.allLive();
                                    get.replyTo()
                                            .tell(
                                                    new HeldVersions(
                                                            1,
                                                            nodeName,
                                                            live.stream()
                                                                    .map(
                                                                            r ->
                                                                                    r.getKind()
                                                                                            + "/"
                                                                                            + r
                                                                                                    .getName())
                                                                    .toArray(String[]::new),
                                                            live.stream()
                                                                    .map(
                                                                            r ->
                                                                                    r.hasVersion()
                                                                                            ? Versions
                                                                                                    .format(
                                                                                                            r
                                                                                                                    .getVersion())
                                                                                            : "")
                                                                    .toArray(String[]::new)));
                                }
                                return Behaviors.same();
                            });
                });
    }

    private static boolean holds(PolicySnapshot s, HasVersions has) {
        for (int i = 0; i < has.keys().length; i++) {
            String[] kindName = has.keys()[i].split("/", 2);
            Resource r = s.find(kindName[0], kindName[1]);
            if (r == null || !r.hasVersion()) {
                return false;
            }
            // Held if this node has that version or a newer one (a later write superseded it).
            if (!Versions.format(r.getVersion()).equals(has.versions()[i])
                    && !newerThan(r, has.versions()[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean newerThan(Resource r, String formatted) {
        int dot = formatted.indexOf('.');
        int at = formatted.indexOf('@');
        long physical = Long.parseLong(formatted.substring(0, dot));
        int logical = Integer.parseInt(formatted.substring(dot + 1, at));
        return Versions.isNewer(
                r.getVersion(),
                io.rhizome.mesh.protocol.v1.Version.newBuilder()
                        .setPhysicalMillis(physical)
                        .setLogical(logical)
                        .setNode(formatted.substring(at + 1))
                        .build());
    }
}
