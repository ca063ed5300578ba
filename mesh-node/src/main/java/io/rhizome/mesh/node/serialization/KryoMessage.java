package io.rhizome.mesh.node.serialization;

/**
 * Marker of transient node-to-node messages serialized with Kryo ({@link KryoSerializer}). Every
 * such class must also be registered in {@link KryoRegistrations}: an unregistered class is
 * refused.
 */
public interface KryoMessage {}
