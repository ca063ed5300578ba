package io.rhizome.mesh.cli;

import picocli.CommandLine.Option;

/** The {@code -o table|json} option, mixed into every command that prints a node's answer. */
final class OutputOption {

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "table",
            converter = OutputFormat.Converter.class,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private OutputFormat format = OutputFormat.TABLE;

    OutputFormat format() {
        return format;
    }
}
