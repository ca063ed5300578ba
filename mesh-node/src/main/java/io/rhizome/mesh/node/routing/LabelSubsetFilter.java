package io.rhizome.mesh.node.routing;

import java.util.Map;

/** Labels kept as parallel arrays so a per-endpoint check allocates no iterator. */
final class LabelSubsetFilter implements SubsetFilter {
    static final LabelSubsetFilter ALL = new LabelSubsetFilter(Map.of());

    private final Map<String, String> labels;
    private final String[] keys;
    private final String[] values;
    private final String text;

    LabelSubsetFilter(Map<String, String> labels) {
        this.labels = Map.copyOf(labels);
        this.keys = new String[this.labels.size()];
        this.values = new String[this.labels.size()];
        int i = 0;
        for (Map.Entry<String, String> e : this.labels.entrySet()) {
            keys[i] = e.getKey();
            values[i] = e.getValue();
            i++;
        }
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(this.labels)
                .forEach(
                        (k, v) ->
                                b.append(b.length() == 0 ? "" : ",")
                                        .append(k)
                                        .append('=')
                                        .append(v));
        this.text = b.toString();
    }

    @Override
    public boolean matches(Map<String, String> endpointLabels) {
        for (int i = 0; i < keys.length; i++) {
            if (!values[i].equals(endpointLabels.get(keys[i]))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Map<String, String> labels() {
        return labels;
    }

    @Override
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSubsetFilter other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "SubsetFilter" + labels;
    }
}
