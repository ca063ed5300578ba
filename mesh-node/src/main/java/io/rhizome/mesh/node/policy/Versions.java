package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Version;
import java.util.Comparator;

/** Total order of resource versions: physical time, then logical counter, then node name. */
public final class Versions {
    public static final Comparator<Version> ORDER =
            Comparator.comparingLong(Version::getPhysicalMillis)
                    .thenComparingInt(Version::getLogical)
                    .thenComparing(Version::getNode);

    private Versions() {}

    public static int compare(Version a, Version b) {
        return ORDER.compare(a, b);
    }

    public static boolean isNewer(Version candidate, Version than) {
        return compare(candidate, than) > 0;
    }

    /** {@code <physical>.<logical>@<node>}, as printed by the API. */
    public static String format(Version v) {
        return v.getPhysicalMillis() + "." + v.getLogical() + "@" + v.getNode();
    }

    /**
     * The version as the LWW-register timestamp Distributed Data merges by, so that replicas pick
     * the same winner as {@link #ORDER} (ties of physical and logical time fall back to Pekko's own
     * deterministic tie-break by node address).
     */
    static long timestamp(Version v) {
        return v.getPhysicalMillis() * 65_536L + Math.min(v.getLogical(), 65_535);
    }
}
