package io.rhizome.mesh.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code meshctl version}: this build's version; asks no node. */
@Command(
        name = "version",
        mixinStandardHelpOptions = true,
        description = "Prints meshctl's version.")
final class VersionCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("meshctl " + Meshctl.version());
        return Meshctl.EXIT_OK;
    }
}
