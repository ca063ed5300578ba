package io.rhizome.mesh.node.cluster;

import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;

/** A member carries its node name as the role {@code node:<name>}. */
public final class MemberNames {
    public static final String ROLE_PREFIX = "node:";

    private MemberNames() {}

    public static String role(String nodeName) {
        return ROLE_PREFIX + nodeName;
    }

    /** The member's node name, or its host:port when it carries no name role. */
    public static String nameOf(Member member) {
        for (String role : member.getRoles()) {
            if (role.startsWith(ROLE_PREFIX)) {
                return role.substring(ROLE_PREFIX.length());
            }
        }
        return hostPort(member.address());
    }

    public static String hostPort(Address address) {
        return address.getHost().orElse("?")
                + ":"
                + address.getPort().map(String::valueOf).orElse("?");
    }
}
