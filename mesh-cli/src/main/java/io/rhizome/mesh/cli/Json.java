package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The node's free-form JSON answers (resources, apply results, check), read with Typesafe Config
 * rather than a JSON library, and printed back as JSON or HOCON.
 */
final class Json {

    private static final ConfigRenderOptions CONCISE_JSON =
            ConfigRenderOptions.concise().setJson(true);
    private static final ConfigRenderOptions HOCON =
            ConfigRenderOptions.defaults()
                    .setOriginComments(false)
                    .setComments(false)
                    .setJson(false);

    private Json() {}

    /**
     * Parses a JSON object; a blank text is the empty object.
     *
     * @throws ConfigException when the text is not JSON or not an object
     */
    static ConfigObject parse(String text) {
        if (text == null || text.isBlank()) {
            return ConfigFactory.empty().root();
        }
        return ConfigFactory.parseString(
                        text,
                        ConfigParseOptions.defaults()
                                .setSyntax(ConfigSyntax.JSON)
                                .setOriginDescription("answer"))
                .root();
    }

    /** One line of JSON, as sent to the node. */
    static String compact(ConfigValue value) {
        return value.render(CONCISE_JSON);
    }

    /** Indented by two spaces like the other commands' {@code -o json}, keys sorted. */
    static String pretty(ConfigValue value) {
        StringBuilder out = new StringBuilder();
        pretty(value, 0, out);
        return out.toString();
    }

    /**
     * HOCON as a person writes it ({@code kind = Route} style), without comments; no final newline.
     */
    static String hocon(ConfigObject value) {
        return value.render(HOCON).stripTrailing();
    }

    private static void pretty(ConfigValue value, int depth, StringBuilder out) {
        if (value instanceof ConfigObject object && !object.isEmpty()) {
            out.append("{\n");
            String separator = "";
            for (String key : new TreeSet<>(object.keySet())) {
                out.append(separator)
                        .append("  ".repeat(depth + 1))
                        .append(compact(ConfigValueFactory.fromAnyRef(key)));
                out.append(": ");
                pretty(object.get(key), depth + 1, out);
                separator = ",\n";
            }
            out.append('\n').append("  ".repeat(depth)).append('}');
        } else if (value instanceof ConfigList list && !list.isEmpty()) {
            out.append("[\n");
            String separator = "";
            for (ConfigValue element : list) {
                out.append(separator).append("  ".repeat(depth + 1));
                pretty(element, depth + 1, out);
                separator = ",\n";
            }
            out.append('\n').append("  ".repeat(depth)).append(']');
        } else {
            out.append(compact(value));
        }
    }

    /** A scalar as text (numbers and booleans too); null when missing, null or not a scalar. */
    static String string(ConfigObject object, String key) {
        ConfigValue value = object.get(key);
        if (value == null) {
            return null;
        }
        return switch (value.valueType()) {
            case STRING, NUMBER, BOOLEAN -> String.valueOf(value.unwrapped());
            default -> null;
        };
    }

    /**
     * A whole number, or {@code fallback} when missing or not a number. Protobuf's JSON writes
     * int64 fields as strings ({@code "86400"}); those count too.
     */
    static long number(ConfigObject object, String key, long fallback) {
        ConfigValue value = object.get(key);
        if (value != null && value.unwrapped() instanceof Number number) {
            return number.longValue();
        }
        if (value != null
                && value.unwrapped() instanceof String text
                && text.matches("-?\\d{1,18}")) {
            return Long.parseLong(text);
        }
        return fallback;
    }

    /** True only for JSON {@code true}. */
    static boolean bool(ConfigObject object, String key) {
        ConfigValue value = object.get(key);
        return value != null && Boolean.TRUE.equals(value.unwrapped());
    }

    /** The object under {@code key}; empty when missing or not an object. */
    static ConfigObject object(ConfigObject object, String key) {
        ConfigValue value = object.get(key);
        return value instanceof ConfigObject child ? child : ConfigFactory.empty().root();
    }

    /** The objects in the list under {@code key}; other elements are skipped. */
    static List<ConfigObject> objects(ConfigObject object, String key) {
        List<ConfigObject> objects = new ArrayList<>();
        if (object.get(key) instanceof ConfigList list) {
            for (ConfigValue element : list) {
                if (element.valueType() == ConfigValueType.OBJECT) {
                    objects.add((ConfigObject) element);
                }
            }
        }
        return objects;
    }
}
