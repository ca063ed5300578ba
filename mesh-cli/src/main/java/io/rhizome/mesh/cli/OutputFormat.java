package io.rhizome.mesh.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How a command prints what the node answered: {@code -o table|json}. */
enum OutputFormat {
    /** Aligned columns for people. */
    TABLE,
    /** The node's JSON answer, pretty-printed, with every field present. */
    JSON;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Case-insensitive, and names the choices the way users type them. */
    static final class Converter implements ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            for (OutputFormat format : values()) {
                if (format.name().equalsIgnoreCase(value.strip())) {
                    return format;
                }
            }
            throw new TypeConversionException(
                    "'"
                            + value
                            + "' (expected: "
                            + Arrays.stream(values())
                                    .map(OutputFormat::toString)
                                    .collect(Collectors.joining(" or "))
                            + ")");
        }
    }
}
