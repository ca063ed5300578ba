package io.rhizome.mesh.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code meshctl delete KIND NAME}: removes one resource from the mesh. */
@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        description = "Deletes one resource from the whole mesh.")
final class DeleteCommand extends NodeCommand {

    @Parameters(
            index = "0",
            paramLabel = "KIND",
            converter = Kind.Converter.class,
            description =
                    "route, destinationpolicy (dp), ratelimit or authorization (authz); any case, plural too.")
    private Kind kind;

    @Parameters(index = "1", paramLabel = "NAME", description = "The resource's name.")
    private String name;

    @Override
    public Integer call() {
        NodeClient node = node();
        return printWrite(
                node,
                node.delete("/v1/resources/" + kind.segment() + "/" + NodeClient.segment(name)));
    }
}
