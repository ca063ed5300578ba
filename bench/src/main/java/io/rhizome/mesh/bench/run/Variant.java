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
        String rhizomeExtra() {
            return "metrics.enabled = off";
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

    /** HOCON added inside {@code rhizome { }} of every node's file. */
    String rhizomeExtra() {
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
