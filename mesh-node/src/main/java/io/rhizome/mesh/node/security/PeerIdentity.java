package io.rhizome.mesh.node.security;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.Optional;

/**
 * The workload identity of the peer on the other end of an inbound connection, as proven by its
 * certificate (a SPIFFE id such as {@code spiffe://example.org/service/orders}). Set on the channel
 * by the TLS handshake; read by authorization, metrics and the access log.
 */
public final class PeerIdentity {
    /** The verified SPIFFE id of the peer; absent on plaintext connections. */
    public static final AttributeKey<String> ATTRIBUTE =
            AttributeKey.valueOf("rhizome.peer-identity");

    private PeerIdentity() {}

    public static Optional<String> of(Channel channel) {
        return Optional.ofNullable(channel.attr(ATTRIBUTE).get());
    }

    public static void set(Channel channel, String spiffeId) {
        channel.attr(ATTRIBUTE).set(spiffeId);
    }
}
