package io.rhizome.mesh.node.discovery;

/**
 * A cluster member as this node sees it.
 *
 * @param name the member's node name (rhizome.node.name), or its address when unknown
 * @param address host:port of its cluster endpoint
 * @param status Pekko's words: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed
 * @param self this is the node answering
 */
public record MemberView(
        String name,
        String address,
        String status,
        boolean reachable,
        String appVersion,
        boolean self) {}
