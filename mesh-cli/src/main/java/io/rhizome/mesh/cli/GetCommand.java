package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code meshctl get KIND [NAME]}: resources as a table, or as JSON or HOCON that {@code meshctl
 * apply -f} takes back unchanged.
 */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the resources of a kind, or shows one.",
            "-o json and -o hocon print what 'meshctl apply -f' takes back."
        })
final class GetCommand implements Callable<Integer> {

    /** {@code -o table|json|hocon}: {@code get} alone can print HOCON. */
    enum Format {
        TABLE,
        JSON,
        HOCON;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        static final class Converter implements ITypeConverter<Format> {
            @Override
            public Format convert(String value) {
                for (Format format : values()) {
                    if (format.name().equalsIgnoreCase(value.strip())) {
                        return format;
                    }
                }
                throw new TypeConversionException(
                        "'" + value + "' (expected: table, json or hocon)");
            }
        }
    }

    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "KIND",
            converter = Kind.Converter.class,
            description =
                    "route, destinationpolicy (dp), ratelimit or authorization (authz); any case, plural too.")
    private Kind kind;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "NAME",
            description = "One resource's name.")
    private String name;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "table",
            converter = Format.Converter.class,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Format format = Format.TABLE;

    @Override
    public Integer call() {
        String path =
                "/v1/resources/"
                        + kind.segment()
                        + (name == null ? "" : "/" + NodeClient.segment(name));
        ConfigObject answer =
                ((Meshctl) spec.root().userObject()).nodeClient().getJson(path).body();
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case JSON -> out.println(Json.pretty(answer));
            case HOCON -> out.println(Json.hocon(answer));
            case TABLE ->
                    table(
                                    name == null
                                            ? Json.objects(answer, "resources")
                                            : List.of(answer),
                                    Instant.now())
                            .print(out);
        }
        return Meshctl.EXIT_OK;
    }

    static Table table(List<ConfigObject> resources, Instant now) {
        Table table = Table.withHeaders("NAME", "SERVICE", "VERSION", "WRITER", "AGE");
        for (ConfigObject resource : resources) {
            table.row(
                    Json.string(resource, "name"),
                    Json.string(Json.object(resource, "spec"), "service"),
                    Json.string(resource, "version"),
                    Json.string(resource, "writer"),
                    Cells.age(Json.string(resource, "written-at"), now));
        }
        return table;
    }
}
