package io.rhizome.mesh.example.greeter;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC service {@code rhizome.example.Greeter}: its methods and their wire form. Messages are
 * UTF-8 text carried as the gRPC message bytes (no schema to compile), so any gRPC client that can
 * send raw bytes can call it; the calls, framing, metadata, trailers and status are plain gRPC.
 */
public final class Greeter {
    public static final String SERVICE = "rhizome.example.Greeter";

    /** Text in, text out. */
    public static final MethodDescriptor.Marshaller<String> TEXT =
            new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(String value) {
                    return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public String parse(InputStream stream) {
                    try {
                        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };

    /** Unary: {@code NAME} → {@code hello NAME from INSTANCE}. */
    public static final MethodDescriptor<String, String> SAY_HELLO =
            method("SayHello", MethodDescriptor.MethodType.UNARY);

    /** Server streaming: {@code N} → N messages {@code 0 .. N-1}. */
    public static final MethodDescriptor<String, String> COUNT =
            method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);

    /** Client streaming: messages → the number of characters they held. */
    public static final MethodDescriptor<String, String> SUM =
            method("Sum", MethodDescriptor.MethodType.CLIENT_STREAMING);

    /** Bidirectional: each message comes back as {@code INSTANCE: message}. */
    public static final MethodDescriptor<String, String> CHAT =
            method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

    /** Unary that never answers: for deadlines and cancellation. */
    public static final MethodDescriptor<String, String> HANG =
            method("Hang", MethodDescriptor.MethodType.UNARY);

    /** Unary: {@code cancelled=N}, the calls of Hang this instance saw cancelled. */
    public static final MethodDescriptor<String, String> STATS =
            method("Stats", MethodDescriptor.MethodType.UNARY);

    private Greeter() {}

    private static MethodDescriptor<String, String> method(
            String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(SERVICE + "/" + name)
                .setRequestMarshaller(TEXT)
                .setResponseMarshaller(TEXT)
                .build();
    }
}
