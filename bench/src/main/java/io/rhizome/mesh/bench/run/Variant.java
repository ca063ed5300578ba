package io.rhizome.mesh.bench.run;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A way of setting up every proxy of one run ({@code bench/run --variant NAME}). Each variant says
 * what it adds to a Rhizome node's file and to the peers' configurations, so that a feature is
 * measured with its equivalent switched on in nginx and HAProxy too (TLS against TLS). Adding one is
 * a new constant here plus what the features need; the measurements do not change.
 */
enum Variant {
    /** Plain HTTP/1.1 between every hop, every optional feature at its default. */
    PLAIN("plain HTTP/1.1 on every hop, node defaults (request metrics on)", true),
    /** Rhizome's request metrics off (nginx and HAProxy keep none by default): what metrics cost. */
    METRICS_OFF("as plain, with rhizome.metrics.enabled = off", true) {
        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return "metrics.enabled = off";
        }
    },
    /**
     * Mutual TLS on the mesh path's middle hop: Rhizome nodes with {@code tls.enabled = on} (node A's
     * outbound → node B's inbound, and cluster traffic), nginx A → nginx B and HAProxy A → HAProxy B
     * over TLS with client certificates verified on both sides. The caller's hop to the first proxy
     * (the local app's hop) and the one-hop rows stay plaintext, as Rhizome's local shortcut does.
     */
    TLS("mTLS on the mesh path's middle hop (proxy A → proxy B, client certificates verified both ways, EC P-256 from"
            + " meshctl ca); the caller's hop to proxy A and the one-hop rows stay plaintext", true) {
        @Override
        boolean tls() {
            return true;
        }

        @Override
        String rhizomeExtra(Pki pki, String identity) {
            return """
                    identity.service = "%s"
                      tls { enabled = on, trust-bundle = "%s", cert = "%s", key = "%s" }"""
                    .formatted(identity, pki.ca(), pki.cert(identity), pki.key(identity));
        }
    };

    private final String description;
    private final boolean available;

    Variant(String description, boolean available) {
        this.description = description;
        this.available = available;
    }

    String description() {
        return description;
    }

    boolean available() {
        return available;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the mesh path's middle hop runs mutual TLS (certificates from {@link Pki}). */
    boolean tls() {
        return false;
    }

    /**
     * HOCON added inside {@code rhizome { }} of every node's file; {@code identity} is the node's
     * service identity, {@code pki} the run's certificates (null unless {@link #tls()}).
     */
    String rhizomeExtra(Pki pki, String identity) {
        return "";
    }

    static Variant parse(String s) {
        for (Variant v : values()) {
            if (v.id().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("--variant: \"" + s + "\" (expected: "
                + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", ")) + ")");
    }
}
