package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Version;
import java.util.function.LongSupplier;

/**
 * Hybrid logical clock: versions follow wall time but never go backwards, and every version this
 * node issues is newer than every version it has seen, so a change made after reading a resource
 * always wins over what was read, whatever the nodes' clock skew.
 */
public final class HybridClock {
    private final String node;
    private final LongSupplier wallMillis;
    private long physical;
    private int logical;

    public HybridClock(String node, LongSupplier wallMillis) {
        this.node = node;
        this.wallMillis = wallMillis;
    }

    public synchronized Version next() {
        long wall = wallMillis.getAsLong();
        if (wall > physical) {
            physical = wall;
            logical = 0;
        } else {
            logical++;
            if (logical >= 65_535) { // keep within the register timestamp's range
                physical++;
                logical = 0;
            }
        }
        return Version.newBuilder()
                .setPhysicalMillis(physical)
                .setLogical(logical)
                .setNode(node)
                .build();
    }

    /** Moves the clock past a version seen from another node. */
    public synchronized void observe(Version seen) {
        if (seen.getPhysicalMillis() > physical
                || (seen.getPhysicalMillis() == physical && seen.getLogical() > logical)) {
            physical = seen.getPhysicalMillis();
            logical = seen.getLogical();
        }
    }
}
