package io.rhizome.mesh.node.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko serializer for {@link KryoMessage}s: node-to-node actor messages that need no schema beyond
 * one build (fan-out queries). Registration is required: writing or reading a class that is not in
 * {@link KryoRegistrations} fails with an error naming it, so a peer can never make this node
 * instantiate an arbitrary class.
 */
public final class KryoSerializer extends JSerializer {
    /** Serializer id in Pekko's registry (ids 0..40 are Pekko's own). */
    public static final int IDENTIFIER = 7_301;

    private final Pool<Kryo> pool;

    public KryoSerializer(ExtendedActorSystem system) {
        ActorRefResolver resolver = ActorRefResolver.get(Adapter.toTyped(system));
        this.pool =
                new Pool<>(true, false, 16) {
                    @Override
                    protected Kryo create() {
                        return newKryo(resolver);
                    }
                };
    }

    static Kryo newKryo(ActorRefResolver resolver) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        if (resolver != null) {
            Serializer<ActorRef<?>> refs =
                    new Serializer<>() {
                        @Override
                        public void write(Kryo k, Output output, ActorRef<?> ref) {
                            output.writeString(resolver.toSerializationFormat(ref));
                        }

                        @Override
                        public ActorRef<?> read(
                                Kryo k, Input input, Class<? extends ActorRef<?>> type) {
                            return resolver.resolveActorRef(input.readString());
                        }
                    };
            kryo.register(actorRefClass(), refs, 10);
        }
        for (KryoRegistrations.Registration r : KryoRegistrations.MESSAGES) {
            kryo.register(r.type(), r.id());
        }
        return kryo;
    }

    private static Class<?> actorRefClass() {
        try {
            // Every typed ActorRef, local or remote, is this adapter over a classic ref.
            return Class.forName("org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Pekko typed ActorRefAdapter not found", e);
        }
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object o) {
        Kryo kryo = pool.obtain();
        try (Output output = new Output(256, 1 << 20)) {
            kryo.writeClassAndObject(output, o);
            return output.toBytes();
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "kryo: cannot serialize "
                            + o.getClass().getName()
                            + " (expected: a class registered in KryoRegistrations): "
                            + e.getMessage(),
                    e);
        } finally {
            pool.free(kryo);
        }
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        Kryo kryo = pool.obtain();
        try (Input input = new Input(bytes)) {
            return kryo.readClassAndObject(input);
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "kryo: refused a message of an unregistered or malformed class: "
                            + e.getMessage(),
                    e);
        } finally {
            pool.free(kryo);
        }
    }
}
