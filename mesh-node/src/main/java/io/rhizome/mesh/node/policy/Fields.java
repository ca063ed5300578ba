package io.rhizome.mesh.node.policy;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Typed reads of one object of a resource document that know the object's path, so every error
 * names the full field, e.g. {@code resources[0].spec.rules[1].backends[0].weight}. An explicit
 * {@code null} counts as absent.
 */
final class Fields {

    /** One element of a list, with its path ({@code ...backends[2]}). */
    record Element(ConfigValue value, String path) {}

    private final ConfigObject object;
    private final String path;

    private Fields(ConfigObject object, String path) {
        this.object = object;
        this.path = path;
    }

    /** {@code value} as an object, or an error at {@code path} naming {@code expected}. */
    static Fields of(ConfigValue value, String path, String expected) {
        if (value.valueType() != ConfigValueType.OBJECT) {
            throw ResourceError.bad(path, value, expected);
        }
        return new Fields((ConfigObject) value, path);
    }

    /** An object with no keys at {@code path}: every read falls back to its default. */
    static Fields empty(String path) {
        return new Fields(ConfigValueFactory.fromMap(Map.of()), path);
    }

    /** This object as written, for error messages. */
    ConfigValue self() {
        return object;
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * Refuses any key not in {@code known}; keys are checked in sorted order so the error is
     * stable.
     */
    Fields allowOnly(Set<String> known) {
        for (String key : new TreeSet<>(object.keySet())) {
            if (!known.contains(key)) {
                throw ResourceError.unknownKey(pathOf(key), known);
            }
        }
        return this;
    }

    boolean has(String key) {
        ConfigValue v = object.get(key);
        return v != null && v.valueType() != ConfigValueType.NULL;
    }

    ConfigValue value(String key, String expected) {
        if (!has(key)) {
            throw ResourceError.missing(pathOf(key), expected);
        }
        return object.get(key);
    }

    Fields object(String key, String expected) {
        return of(value(key, expected), pathOf(key), expected);
    }

    /** A required scalar as text (numbers and booleans as written). */
    String text(String key, String expected) {
        return scalar(value(key, expected), pathOf(key), expected);
    }

    /** One of {@code choices}, exactly as spelled there. */
    String oneOf(String key, List<String> choices, String fallback) {
        String expected = String.join(" | ", choices);
        if (!has(key)) {
            if (fallback == null) {
                throw ResourceError.missing(pathOf(key), expected);
            }
            return fallback;
        }
        String s = text(key, expected);
        if (!choices.contains(s)) {
            throw ResourceError.bad(pathOf(key), object.get(key), expected);
        }
        return s;
    }

    int intIn(String key, int min, int max, int fallback) {
        return has(key) ? toInt(object.get(key), pathOf(key), min, max) : fallback;
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        ConfigValue v = object.get(key);
        Object raw = v.unwrapped();
        if (raw instanceof Boolean b) {
            return b;
        }
        if ("true".equals(raw) || "false".equals(raw)) {
            return Boolean.parseBoolean((String) raw);
        }
        throw ResourceError.bad(pathOf(key), v, "true | false");
    }

    /**
     * A duration in whole milliseconds within [min, max]: a HOCON duration or a number of
     * milliseconds.
     */
    long millis(String key, Duration min, Duration max, long fallback) {
        if (!has(key)) {
            return fallback;
        }
        ConfigValue v = object.get(key);
        Duration d;
        try {
            d = object.toConfig().getDuration(ConfigUtil.joinPath(key));
        } catch (ConfigException e) {
            throw ResourceError.bad(pathOf(key), v, "a duration such as 250ms or 2s");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0 || d.toNanos() % 1_000_000 != 0) {
            throw ResourceError.bad(
                    pathOf(key), v, Durations.range(min, max) + " in whole milliseconds");
        }
        return d.toMillis();
    }

    /** The elements of a list of {@code min..max} entries; absent: empty. */
    List<Element> list(String key, int min, int max, String expected) {
        if (!has(key)) {
            return List.of();
        }
        ConfigValue v = object.get(key);
        if (v.valueType() != ConfigValueType.LIST) {
            throw ResourceError.bad(pathOf(key), v, expected);
        }
        ConfigList list = (ConfigList) v;
        if (list.size() < min || list.size() > max) {
            String shown = list.size() > 3 ? "a list of " + list.size() : ResourceError.render(v);
            throw ResourceError.bad(pathOf(key), shown, expected);
        }
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new Element(list.get(i), pathOf(key) + "[" + i + "]"));
        }
        return out;
    }

    /** The entries of a free-form object, sorted by key, each with its path; absent: empty. */
    Map<String, Element> entries(String key, String expected) {
        Map<String, Element> out = new TreeMap<>();
        if (has(key)) {
            Fields map = object(key, expected);
            for (var e : map.object.entrySet()) {
                out.put(e.getKey(), new Element(e.getValue(), map.pathOf(e.getKey())));
            }
        }
        return out;
    }

    /**
     * A free-form {@code { key = "value" }} object with scalar values, sorted by key; absent:
     * empty.
     */
    Map<String, String> stringMap(String key, String expected) {
        Map<String, String> out = new TreeMap<>();
        for (var e : entries(key, expected).entrySet()) {
            out.put(e.getKey(), scalar(e.getValue().value(), e.getValue().path(), "a string"));
        }
        return out;
    }

    /** A string, number or boolean as text; numbers as the user wrote them. */
    static String scalar(ConfigValue v, String path, String expected) {
        return switch (v.valueType()) {
            case STRING -> (String) v.unwrapped();
            case NUMBER, BOOLEAN -> ResourceError.render(v);
            default -> throw ResourceError.bad(path, v, expected);
        };
    }

    static int toInt(ConfigValue v, String path, int min, int max) {
        double n = toNumber(v, path, min + ".." + max);
        if (n != Math.rint(n) || n < min || n > max) {
            throw ResourceError.bad(path, v, min + ".." + max);
        }
        return (int) n;
    }

    /** A number, or a string holding one (as HOCON reads {@code "5"}). */
    static double toNumber(ConfigValue v, String path, String expected) {
        Object raw = v.unwrapped();
        if (raw instanceof Number n) {
            return n.doubleValue();
        }
        if (raw instanceof String s && s.matches("-?\\d{1,15}(\\.\\d{1,15})?")) {
            return Double.parseDouble(s);
        }
        throw ResourceError.bad(path, v, expected);
    }
}
