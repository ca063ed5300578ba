package io.rhizome.mesh.node.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.io.Output;
import com.typesafe.config.ConfigFactory;
import io.rhizome.mesh.node.cluster.NodeInfoActor.GetNodeInfo;
import io.rhizome.mesh.node.cluster.NodeInfoActor.NodeInfo;
import java.io.Serializable;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.DisabledJavaSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KryoSerializerTest {
    private static ActorTestKit testKit;
    private static Serialization serialization;

    /** A node-to-node message someone forgot to add to KryoRegistrations. */
    record Unregistered(String payload) implements KryoMessage {}

    record PlainSerializable(String payload) implements Serializable {}

    @BeforeAll
    static void start() {
        // mesh-node's reference.conf (cluster provider, Kryo bindings, Java serialization off)
        // applies;
        // the local provider keeps the test free of sockets.
        testKit =
                ActorTestKit.create(
                        "KryoSerializerTest",
                        ConfigFactory.parseString("pekko.actor.provider = local"));
        serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static Object roundTrip(Object message) {
        Serializer serializer = serialization.findSerializerFor(message);
        byte[] bytes = serializer.toBinary(message);
        return serialization.deserialize(bytes, serializer.identifier(), "").get();
    }

    @Test
    void nodeInfoMessagesAreBoundToKryo() {
        TestProbe<NodeInfo> probe = testKit.createTestProbe();

        assertThat(serialization.findSerializerFor(new GetNodeInfo(1, probe.ref())))
                .isInstanceOf(KryoSerializer.class)
                .extracting(Serializer::identifier)
                .isEqualTo(7301);
        assertThat(serialization.findSerializerFor(new NodeInfo(1, "node-1", "0.1.0", 42L)))
                .isInstanceOf(KryoSerializer.class);
    }

    @Test
    void getNodeInfoRoundTripsAndItsReplyToStillReachesTheAsker() {
        TestProbe<NodeInfo> probe = testKit.createTestProbe();
        GetNodeInfo request = new GetNodeInfo(1, probe.ref());

        Object back = roundTrip(request);

        assertThat(back).isEqualTo(request);
        NodeInfo answer = new NodeInfo(1, "node-1", "0.1.0", 1_700_000_000_000L);
        ((GetNodeInfo) back).replyTo().tell(answer);
        probe.expectMessage(answer);
    }

    @Test
    void nodeInfoRoundTrips() {
        NodeInfo info = new NodeInfo(1, "node-1", "0.1.0-SNAPSHOT (abc123)", 1_700_000_000_000L);

        assertThat(roundTrip(info)).isEqualTo(info);
    }

    @Test
    void aMembersCertificateRoundTrips() {
        var state =
                new io.rhizome.mesh.node.policy.PolicyQueryActor.CertificateState(
                        1,
                        "node-2",
                        "spiffe://example.org/service/orders",
                        1_796_000_000_000L,
                        86_400);
        assertThat(roundTrip(state)).isEqualTo(state);
    }

    @Test
    void anUnregisteredMessageIsRefusedOnTheWayOutNamingItsClass() {
        Unregistered message = new Unregistered("x");
        Serializer serializer = serialization.findSerializerFor(message);
        assertThat(serializer).isInstanceOf(KryoSerializer.class);

        assertThatThrownBy(() -> serializer.toBinary(message))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Unregistered.class.getName())
                .hasMessageContaining("KryoRegistrations");
    }

    @Test
    void bytesNamingAnUnregisteredClassIdAreRefused() {
        byte[] bytes;
        try (Output out = new Output(16)) {
            out.writeVarInt(999 + 2, true); // Kryo's class id on the wire is id + 2
            bytes = out.toBytes();
        }

        assertThat(serialization.deserialize(bytes, KryoSerializer.IDENTIFIER, "").failed().get())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unregistered")
                .hasMessageContaining("999");
    }

    @Test
    void bytesNamingAClassByNameAreRefused() {
        // A peer must not be able to name any class on this node's classpath.
        byte[] bytes;
        try (Output out = new Output(64)) {
            out.writeVarInt(1, true); // NAME marker: the class follows as a string
            out.writeVarInt(3, true); // name id
            out.writeString("java.lang.ProcessBuilder");
            bytes = out.toBytes();
        }

        assertThat(serialization.deserialize(bytes, KryoSerializer.IDENTIFIER, "").failed().get())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("kryo: refused")
                .hasMessageContaining("not registered: java.lang.ProcessBuilder");
    }

    @Test
    void javaSerializationIsOff() {
        PlainSerializable message = new PlainSerializable("x");

        assertThat(serialization.findSerializerFor(message))
                .isInstanceOf(DisabledJavaSerializer.class);
        assertThat(serialization.serialize(message).isFailure()).isTrue();
    }
}
