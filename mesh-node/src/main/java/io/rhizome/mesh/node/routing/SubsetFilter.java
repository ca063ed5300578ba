package io.rhizome.mesh.node.routing;

import java.util.Map;

/** A backend's label subset: which endpoints of its service it selects. */
public interface SubsetFilter {

    /** True when the endpoint carries every label of the subset with the same value. */
    boolean matches(Map<String, String> endpointLabels);

    /** The labels required; empty selects every endpoint. */
    Map<String, String> labels();

    /**
     * The labels as one metric label value, {@code key=value} sorted by key and joined by {@code
     * ,}; {@code ""} for all.
     */
    String text();

    /** A filter requiring {@code labels}; an empty map selects every endpoint. */
    static SubsetFilter of(Map<String, String> labels) {
        return labels.isEmpty() ? LabelSubsetFilter.ALL : new LabelSubsetFilter(labels);
    }

    /** The filter that selects every endpoint. */
    static SubsetFilter all() {
        return LabelSubsetFilter.ALL;
    }
}
