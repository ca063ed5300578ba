package io.rhizome.mesh.node.serialization;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.mesh.protocol.v1.Endpoint;
import io.rhizome.mesh.protocol.v1.Resource;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer for the protobuf values Rhizome keeps in Distributed Data. Their schema outlives
 * one build, so they evolve by protobuf rules (architecture.md §5).
 */
public final class ProtobufSerializer extends SerializerWithStringManifest {
    public static final int IDENTIFIER = 7_302;
    private static final String ENDPOINT = "E";
    private static final String RESOURCE = "R";

    public ProtobufSerializer(ExtendedActorSystem system) {}

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof Endpoint) {
            return ENDPOINT;
        }
        if (o instanceof Resource) {
            return RESOURCE;
        }
        throw new IllegalArgumentException("protobuf: no manifest for " + o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        if (o instanceof Endpoint e) {
            return e.toByteArray();
        }
        if (o instanceof Resource r) {
            return r.toByteArray();
        }
        throw new IllegalArgumentException("protobuf: cannot serialize " + o.getClass().getName());
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
        try {
            if (ENDPOINT.equals(manifest)) {
                return Endpoint.parseFrom(bytes);
            }
            if (RESOURCE.equals(manifest)) {
                return Resource.parseFrom(bytes);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "protobuf: malformed " + manifest + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("protobuf: unknown manifest " + manifest);
    }
}
