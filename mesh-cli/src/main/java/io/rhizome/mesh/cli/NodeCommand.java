package io.rhizome.mesh.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that asks one node something and prints the answer as a table or as JSON.
 *
 * <p>Subclasses implement {@link #call()} with {@link #node()} and {@link #print}.
 */
abstract class NodeCommand implements Callable<Integer> {

    // Kebab-case json_names, and false/0/empty printed so that scripts see every key.
    private static final JsonFormat.Printer JSON =
            JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

    @Spec CommandSpec spec;

    @Mixin OutputOption output;

    /** The node chosen by {@code --node}, {@code $MESH_NODE} or the default. */
    protected NodeClient node() {
        return meshctl().nodeClient();
    }

    protected Meshctl meshctl() {
        return (Meshctl) spec.root().userObject();
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * Prints the node's answer to a write ({@code apply}, {@code delete}): one line per resource,
     * or the JSON; and a warning on stderr while the write is still replicating. Returns 0.
     */
    protected int printWrite(NodeClient node, NodeClient.JsonAnswer answer) {
        switch (output.format()) {
            case JSON -> out().println(Json.pretty(answer.body()));
            case TABLE -> WriteResults.lines(answer.body()).forEach(out()::println);
        }
        WriteResults.warning(node.node(), answer).ifPresent(err()::println);
        return Meshctl.EXIT_OK;
    }

    /** Prints {@code answer} in the chosen format and returns exit code 0. */
    protected <M extends Message> int print(M answer, Function<M, Table> table) {
        switch (output.format()) {
            case JSON -> out().println(json(answer));
            case TABLE -> table.apply(answer).print(out());
        }
        return Meshctl.EXIT_OK;
    }

    static String json(Message message) {
        try {
            return JSON.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only Any with an unknown type can fail here; the admin messages have none.
            throw new IllegalStateException(
                    "cannot print " + message.getDescriptorForType().getName(), e);
        }
    }
}
