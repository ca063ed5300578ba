package io.rhizome.mesh.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.net.URI;

/**
 * {@code rhizome.metrics}, {@code rhizome.access-log} and {@code rhizome.tracing}: what the node
 * records about the requests it proxies (reference.conf documents every key).
 *
 * @param metricsEnabled request counters for {@code GET /metrics} (node and JVM gauges are always
 *     there)
 * @param maxSeries distinct {@code (direction, service, route)} series before new ones count as
 *     "other"
 * @param accessLogEnabled one JSON line per request
 * @param accessLogTarget {@code stdout} or a file path
 * @param sampleRatio the share of new traces marked sampled (0..1)
 * @param otlpEndpoint an OTLP/HTTP traces URL ({@code http://collector:4318/v1/traces}); empty: no
 *     export
 */
public record ObservabilitySettings(
        boolean metricsEnabled,
        int maxSeries,
        boolean accessLogEnabled,
        String accessLogTarget,
        double sampleRatio,
        String otlpEndpoint) {

    public static final String STDOUT = "stdout";

    /**
     * Reads and validates the three sections of a resolved configuration (user file over
     * reference).
     */
    public static ObservabilitySettings read(Config full) {
        boolean metrics = bool(full, "rhizome.metrics.enabled");
        int maxSeries = (int) number(full, "rhizome.metrics.max-series", 1, 100_000, true);
        boolean accessLog = bool(full, "rhizome.access-log.enabled");
        String target = string(full, "rhizome.access-log.target");
        if (target.isBlank()) {
            throw new ConfigError(
                    "rhizome.access-log.target", "\"\" (expected: stdout or a file path)");
        }
        double ratio = number(full, "rhizome.tracing.sample-ratio", 0, 1, false);
        String otlp = string(full, "rhizome.tracing.otlp-endpoint");
        if (!otlp.isEmpty()) {
            try {
                URI u = URI.create(otlp);
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                        || u.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigError(
                        "rhizome.tracing.otlp-endpoint",
                        HostPort.quote(otlp)
                                + " (expected: an http(s) URL such as http://127.0.0.1:4318/v1/traces, or \"\")");
            }
        }
        return new ObservabilitySettings(metrics, maxSeries, accessLog, target, ratio, otlp);
    }

    private static ConfigValue value(Config c, String key) {
        if (!c.hasPath(key)) {
            throw new ConfigError(key, "missing");
        }
        return c.getValue(key);
    }

    private static boolean bool(Config c, String key) {
        ConfigValue v = value(c, key);
        Object raw = v.unwrapped();
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s) {
            switch (s) {
                case "on", "true", "yes" -> {
                    return true;
                }
                case "off", "false", "no" -> {
                    return false;
                }
                default -> {}
            }
        }
        throw new ConfigError(key, render(v) + " (expected: on or off)");
    }

    private static String string(Config c, String key) {
        ConfigValue v = value(c, key);
        Object raw = v.unwrapped();
        if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
            return String.valueOf(raw);
        }
        throw new ConfigError(key, render(v) + " (expected: a string)");
    }

    private static double number(Config c, String key, double min, double max, boolean integer) {
        ConfigValue v = value(c, key);
        Object raw = v.unwrapped();
        String expected =
                integer
                        ? " (expected: an integer " + (long) min + ".." + (long) max + ")"
                        : " (expected: a number " + min + ".." + max + ")";
        double n;
        if (raw instanceof Number num) {
            n = num.doubleValue();
        } else if (raw instanceof String s) {
            try {
                n = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new ConfigError(key, render(v) + expected);
            }
        } else {
            throw new ConfigError(key, render(v) + expected);
        }
        if (Double.isNaN(n) || n < min || n > max || (integer && n != Math.rint(n))) {
            throw new ConfigError(key, render(v) + expected);
        }
        return n;
    }

    private static String render(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }
}
