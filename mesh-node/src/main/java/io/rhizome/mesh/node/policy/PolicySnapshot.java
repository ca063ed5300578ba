package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.node.routing.RouteTable;
import io.rhizome.mesh.protocol.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every resource this node knows, tombstones included, as of one moment: what the admin API lists
 * and what the data plane routes by. Immutable.
 *
 * @param byKind canonical kind → name → resource
 * @param loaded the durable state has been read (policy is in force)
 * @param routes the live Routes compiled for the request path
 */
public record PolicySnapshot(
        Map<String, Map<String, Resource>> byKind,
        boolean loaded,
        String digest,
        int liveCount,
        RouteTable routes) {

    public static final PolicySnapshot EMPTY = of(Map.of(), false);

    public static PolicySnapshot of(Map<String, Map<String, Resource>> byKind, boolean loaded) {
        TreeMap<String, Map<String, Resource>> copy = new TreeMap<>();
        byKind.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
        List<String> lines = new ArrayList<>();
        copy.forEach(
                (kind, resources) ->
                        resources.forEach(
                                (name, r) -> {
                                    if (!r.getDeleted()) {
                                        lines.add(
                                                kind
                                                        + "/"
                                                        + name
                                                        + "@"
                                                        + Versions.format(r.getVersion()));
                                    }
                                }));
        RouteTable routes =
                RouteTable.build(new ArrayList<>(copy.getOrDefault("Route", Map.of()).values()));
        return new PolicySnapshot(
                Collections.unmodifiableMap(copy), loaded, sha256(lines), lines.size(), routes);
    }

    /** Live (not deleted) resources of one kind, by name. */
    public List<Resource> live(String kind) {
        List<Resource> out = new ArrayList<>();
        for (Resource r : byKind.getOrDefault(kind, Map.of()).values()) {
            if (!r.getDeleted()) {
                out.add(r);
            }
        }
        return out;
    }

    public List<Resource> allLive() {
        List<Resource> out = new ArrayList<>();
        for (String kind : byKind.keySet()) {
            out.addAll(live(kind));
        }
        return out;
    }

    /** The resource or its tombstone, or null. */
    public Resource find(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).get(name);
    }

    private static String sha256(List<String> sortedLines) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String line : sortedLines) {
                md.update(line.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
