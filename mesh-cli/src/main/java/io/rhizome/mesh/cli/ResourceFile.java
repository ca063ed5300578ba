package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * A resource file for {@code meshctl apply -f}: HOCON, JSON or YAML, turned into the JSON the
 * node's {@code /v1/apply} takes. Only parsed here, never validated: the node names what is wrong.
 *
 * <p>A top-level list (JSON, HOCON or YAML) becomes {@code {"resources": [...]}}; several YAML
 * documents ({@code ---}) are one list of resources.
 */
final class ResourceFile {

    /** How a file is parsed, from its extension. */
    enum Format {
        HOCON,
        JSON,
        YAML,
        /** No known extension, or stdin: JSON, then HOCON, then YAML. */
        UNKNOWN;

        static Format of(String file) {
            String name = file.toLowerCase(Locale.ROOT);
            if (name.endsWith(".conf") || name.endsWith(".hocon")) {
                return HOCON;
            }
            if (name.endsWith(".json")) {
                return JSON;
            }
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                return YAML;
            }
            return UNKNOWN;
        }
    }

    /** What error lines call stdin. */
    static final String STDIN = "stdin";

    private ResourceFile() {}

    /**
     * Reads {@code file} ({@code -} is {@code stdin}) and returns its resources as one JSON object.
     *
     * @throws MeshctlException exit 1, {@code FILE: reason}, when it cannot be read or parsed
     */
    static String read(String file, InputStream stdin) {
        String label = file.equals("-") ? STDIN : file;
        String text;
        try {
            text =
                    file.equals("-")
                            ? new String(stdin.readAllBytes(), UTF_8)
                            : Files.readString(Path.of(file), UTF_8);
        } catch (IOException | UncheckedIOException | InvalidPathException e) {
            throw unreadable(label, reason(e));
        }
        return toJson(label, text, file.equals("-") ? Format.UNKNOWN : Format.of(file));
    }

    /**
     * Converts {@code text} to JSON.
     *
     * @param label names the file in error messages
     * @throws MeshctlException exit 1, {@code FILE: reason}, when it does not parse
     */
    static String toJson(String label, String text, Format format) {
        // A BOM is not part of the document (Files.readString keeps it).
        String document = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return switch (format) {
            case HOCON -> parseConfig(label, document, ConfigSyntax.CONF);
            case JSON -> parseConfig(label, document, ConfigSyntax.JSON);
            case YAML -> parseYaml(label, document);
            case UNKNOWN -> guess(label, document);
        };
    }

    private static String guess(String label, String text) {
        try {
            return parseConfig(label, text, ConfigSyntax.JSON);
        } catch (MeshctlException notJson) {
            // HOCON is a superset of JSON: its error is the one worth showing.
        }
        try {
            return parseConfig(label, text, ConfigSyntax.CONF);
        } catch (MeshctlException notHocon) {
            // Indented YAML is never HOCON, so YAML is tried last; a flat YAML map is read as
            // HOCON,
            // with the same meaning.
            try {
                return parseYaml(label, text);
            } catch (MeshctlException notYaml) {
                throw notHocon;
            }
        }
    }

    private static String parseConfig(String label, String text, ConfigSyntax syntax) {
        String document = startsWithList(text) ? "{\"resources\":" + text + "\n}" : text;
        try {
            ConfigObject root =
                    ConfigFactory.parseString(
                                    document,
                                    ConfigParseOptions.defaults()
                                            .setSyntax(syntax)
                                            .setOriginDescription(label))
                            .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false))
                            .root();
            return Json.compact(root);
        } catch (ConfigException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            // Config's messages start with the origin ("FILE: 3: ..."), which is the label.
            throw message.startsWith(label + ":")
                    ? new MeshctlException(message, Meshctl.EXIT_REFUSED)
                    : unreadable(label, message);
        }
    }

    /** Whether the first thing after blanks and comments is {@code [}. */
    private static boolean startsWithList(String text) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || text.startsWith("//", i)) {
                int newline = text.indexOf('\n', i);
                i = newline < 0 ? text.length() : newline + 1;
            } else {
                return c == '[';
            }
        }
        return false;
    }

    private static String parseYaml(String label, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        DumperOptions dumper = new DumperOptions();
        Yaml yaml =
                new Yaml(
                        new SafeConstructor(options),
                        new Representer(dumper),
                        dumper,
                        options,
                        new CoreSchemaResolver());
        List<Object> documents = new ArrayList<>();
        try {
            for (Object document : yaml.loadAll(text)) {
                if (document != null) {
                    documents.add(plain(document));
                }
            }
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where =
                    mark == null
                            ? ""
                            : "line "
                                    + (mark.getLine() + 1)
                                    + ", column "
                                    + (mark.getColumn() + 1)
                                    + ": ";
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw unreadable(label, where + (problem == null ? "not YAML" : problem));
        } catch (YAMLException e) {
            throw unreadable(label, e.getMessage() == null ? "not YAML" : e.getMessage());
        }
        Object tree;
        if (documents.isEmpty()) {
            tree = Map.of();
        } else if (documents.size() == 1) {
            tree =
                    documents.get(0) instanceof List<?> list
                            ? Map.of("resources", list)
                            : documents.get(0);
        } else {
            List<Object> resources = new ArrayList<>();
            for (Object document : documents) {
                if (document instanceof List<?> list) {
                    resources.addAll(list);
                } else if (document instanceof Map<?, ?> map
                        && map.size() == 1
                        && map.get("resources") instanceof List<?> list) {
                    resources.addAll(list);
                } else {
                    resources.add(document);
                }
            }
            tree = Map.of("resources", resources);
        }
        if (!(tree instanceof Map<?, ?>)) {
            throw unreadable(
                    label, "expected a resource or a list of resources, got a " + describe(tree));
        }
        return Json.compact(ConfigValueFactory.fromAnyRef(tree));
    }

    /** SnakeYAML's tree as what {@code ConfigValueFactory.fromAnyRef} takes. */
    private static Object plain(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> object = new LinkedHashMap<>();
            map.forEach((key, value) -> object.put(String.valueOf(key), plain(value)));
            return object;
        }
        if (node instanceof Collection<?> collection) {
            List<Object> list = new ArrayList<>();
            collection.forEach(element -> list.add(plain(element)));
            return list;
        }
        if (node instanceof BigInteger big) {
            return big.bitLength() < 64 ? (Object) big.longValue() : big.toString();
        }
        if (node == null
                || node instanceof String
                || node instanceof Number
                || node instanceof Boolean) {
            return node;
        }
        if (node instanceof Date date) {
            return date.toInstant().toString();
        }
        if (node instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        return node.toString();
    }

    private static String describe(Object value) {
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Number) {
            return "number";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        return value.getClass().getSimpleName();
    }

    private static MeshctlException unreadable(String label, String reason) {
        return new MeshctlException(label + ": " + reason, Meshctl.EXIT_REFUSED);
    }

    private static String reason(Exception e) {
        Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
        if (cause instanceof NoSuchFileException) {
            return "no such file";
        }
        if (cause instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (cause instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (cause instanceof IOException
                && cause.getMessage() != null
                && cause.getMessage().contains("directory")) {
            return "is a directory";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    /**
     * YAML 1.2's core schema rather than SnakeYAML's YAML 1.1 one: {@code on}, {@code yes} and
     * {@code no} stay strings (a Route's {@code retries.on} is a key, not {@code true}), and dates
     * stay strings ({@code written-at}).
     */
    private static final class CoreSchemaResolver extends Resolver {

        private static final Pattern BOOL =
                Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
        private static final Pattern INT =
                Pattern.compile("^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$");
        private static final Pattern FLOAT =
                Pattern.compile(
                        "^[-+]?(?:\\.[0-9]+|[0-9]+\\.[0-9]*|[0-9]+(?:\\.[0-9]*)?[eE][-+]?[0-9]+)$");

        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, BOOL, "tTfF");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, Resolver.MERGE, "<");
            addImplicitResolver(Tag.NULL, Resolver.NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, Resolver.EMPTY, null);
        }
    }
}
