package io.rhizome.mesh.node.observability.stats;

import java.util.List;

/**
 * One node's figures over a window.
 *
 * @param coveredMillis how much time the figures cover: the window and the current slot's elapsed
 *     part, or less when the node started more recently
 */
public record NodeStats(long coveredMillis, List<StatRow> rows) {
    public NodeStats {
        rows = List.copyOf(rows);
    }
}
