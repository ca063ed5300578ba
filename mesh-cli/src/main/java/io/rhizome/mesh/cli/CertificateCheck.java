package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code meshctl check} says about a node's TLS certificate (every member's, from {@code GET
 * /v1/check}; the asked node's from {@code GET /v1/tls} otherwise): a warning when less than a
 * third of its lifetime is left (a self-issuing node renews at two thirds, so this means renewal is
 * failing; a long-lived certificate warns months ahead, and always in its last day).
 */
record CertificateCheck(Optional<String> warning, boolean expired) {
    private static final CertificateCheck NONE = new CertificateCheck(Optional.empty(), false);

    static CertificateCheck of(NodeClient node) {
        ConfigObject tls;
        try {
            tls = node.getJson("/v1/tls").body();
        } catch (MeshctlException e) {
            return NONE; // a node without the endpoint (older build): nothing to say
        }
        if (!Json.bool(tls, "enabled")) {
            return NONE;
        }
        return of(
                Json.string(tls, "identity"),
                Json.string(tls, "not-after"),
                Duration.ofSeconds(Json.number(tls, "lifetime-seconds", 0)),
                Duration.ofSeconds(Json.number(tls, "expires-in-seconds", 0)));
    }

    /**
     * One check per member that reported the certificate it presents ({@code /v1/check}'s {@code
     * members[].certificate}, gathered by the answering node from every member); empty when none
     * did (TLS off, or nodes of an older build: then {@link #of(NodeClient)} for the node asked).
     */
    static List<CertificateCheck> ofMembers(List<ConfigObject> members) {
        List<CertificateCheck> checks = new ArrayList<>();
        for (ConfigObject member : members) {
            ConfigObject certificate = Json.object(member, "certificate");
            if (certificate.isEmpty()) {
                continue;
            }
            checks.add(
                    of(
                            Json.string(member, "name") + "'s",
                            Json.string(certificate, "identity"),
                            Json.string(certificate, "not-after"),
                            Duration.ofSeconds(Json.number(certificate, "lifetime-seconds", 0)),
                            Duration.ofSeconds(Json.number(certificate, "expires-in-seconds", 0))));
        }
        return checks;
    }

    static CertificateCheck of(String identity, String notAfter, Duration lifetime, Duration left) {
        return of("the node's", identity, notAfter, lifetime, left);
    }

    /**
     * @param whose "the node's", or "node-2's"
     */
    static CertificateCheck of(
            String whose, String identity, String notAfter, Duration lifetime, Duration left) {
        if (left.isNegative() || left.isZero()) {
            return new CertificateCheck(
                    Optional.of(
                            "error: "
                                    + whose
                                    + " certificate for "
                                    + identity
                                    + " expired at "
                                    + notAfter),
                    true);
        }
        // For certificates of more than three days this includes their last 24 hours.
        if (left.compareTo(lifetime.dividedBy(3)) >= 0) {
            return NONE;
        }
        return new CertificateCheck(
                Optional.of(
                        "warning: "
                                + whose
                                + " certificate for "
                                + identity
                                + " expires in "
                                + human(left)
                                + " (at "
                                + notAfter
                                + ", "
                                + (left.toSeconds() * 100 / Math.max(1, lifetime.toSeconds()))
                                + "% of its lifetime left)"),
                false);
    }

    private static String human(Duration d) {
        if (d.toHours() >= 48) {
            return d.toDays() + "d";
        }
        if (d.toMinutes() >= 120) {
            return d.toHours() + "h";
        }
        return d.toMinutes() >= 1 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }
}
