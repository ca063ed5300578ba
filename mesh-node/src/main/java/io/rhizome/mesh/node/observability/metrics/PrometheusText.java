package io.rhizome.mesh.node.observability.metrics;

/**
 * Writes the Prometheus text exposition format 0.0.4: a {@code # HELP} and {@code # TYPE} line per
 * family, then its samples. Label values are escaped (backslash, double quote, newline).
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(16 * 1024);

    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate name, value. */
    PrometheusText sample(String name, double value, String... labels) {
        out.append(name);
        labels(labels);
        out.append(' ');
        number(value);
        out.append('\n');
        return this;
    }

    PrometheusText sample(String name, long value, String... labels) {
        out.append(name);
        labels(labels);
        out.append(' ').append(value).append('\n');
        return this;
    }

    private void labels(String[] labels) {
        if (labels.length == 0) {
            return;
        }
        out.append('{');
        for (int i = 0; i < labels.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(labels[i]).append("=\"");
            escape(labels[i + 1]);
            out.append('"');
        }
        out.append('}');
    }

    private void escape(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    private void number(double v) {
        if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else {
            out.append(v);
        }
    }

    /**
     * Formats a bucket bound as Prometheus clients do ({@code 0.0005}, {@code 1.0}, {@code +Inf}).
     */
    static String le(double bound) {
        return Double.isInfinite(bound)
                ? "+Inf"
                : java.math.BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
