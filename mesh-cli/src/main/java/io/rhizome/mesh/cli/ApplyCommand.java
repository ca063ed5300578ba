package io.rhizome.mesh.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshctl apply -f FILE}: creates, updates or leaves unchanged the file's resources. */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        description = {
            "Creates or updates the resources in a file, all or nothing; the node checks them.",
            "FILE is HOCON (.conf), JSON (.json) or YAML (.yaml, .yml): one resource, "
                    + "resources = [...], or a list."
        })
final class ApplyCommand extends NodeCommand {

    @Option(
            names = {"-f", "--filename"},
            required = true,
            paramLabel = "FILE",
            description = "The resource file; - reads stdin (JSON, HOCON or YAML).")
    private String file;

    @Override
    public Integer call() {
        String json = ResourceFile.read(file, meshctl().stdin());
        NodeClient node = node();
        return printWrite(node, node.postJson("/v1/apply", json));
    }
}
