package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code meshctl check} says about the node's TLS certificate ({@code GET /v1/tls}): a warning
 * when less than a third of its lifetime is left (a self-issuing node renews at two thirds, so
 * this means renewal is failing; a long-lived certificate warns months ahead, and always in its last day).
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
    return of(Json.string(tls, "identity"), Json.string(tls, "not-after"),
        Duration.ofSeconds(Json.number(tls, "lifetime-seconds", 0)),
        Duration.ofSeconds(Json.number(tls, "expires-in-seconds", 0)));
  }

  static CertificateCheck of(String identity, String notAfter, Duration lifetime, Duration left) {
    if (left.isNegative() || left.isZero()) {
      return new CertificateCheck(
          Optional.of("error: the node's certificate for " + identity + " expired at " + notAfter), true);
    }
    // For certificates of more than three days this includes their last 24 hours.
    if (left.compareTo(lifetime.dividedBy(3)) >= 0) {
      return NONE;
    }
    return new CertificateCheck(Optional.of("warning: the node's certificate for " + identity + " expires in "
        + human(left) + " (at " + notAfter + ", " + (left.toSeconds() * 100 / Math.max(1, lifetime.toSeconds()))
        + "% of its lifetime left)"), false);
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
