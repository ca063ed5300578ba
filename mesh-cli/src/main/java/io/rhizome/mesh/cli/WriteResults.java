package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How {@code apply} and {@code delete} print the node's answer, {@code {"results": [{"kind",
 * "name", "status", "version"}], "seen-by", "members", "replicating"}}.
 */
final class WriteResults {

    private static final String GAP = "  ";

    private WriteResults() {}

    /**
     * {@code echo-canary updated seen by 3/3 nodes}, aligned; {@code route/orders} instead of
     * {@code orders} when the batch has the same name under several kinds.
     */
    static List<String> lines(ConfigObject answer) {
        List<ConfigObject> results = Json.objects(answer, "results");
        String seenBy =
                "seen by "
                        + Json.number(answer, "seen-by", 0)
                        + "/"
                        + Json.number(answer, "members", 0)
                        + " nodes";
        Map<String, Set<String>> kindsByName = new HashMap<>();
        for (ConfigObject result : results) {
            kindsByName
                    .computeIfAbsent(
                            Objects.requireNonNullElse(Json.string(result, "name"), "-"),
                            name -> new HashSet<>())
                    .add(kind(result));
        }
        boolean qualify = kindsByName.values().stream().anyMatch(kinds -> kinds.size() > 1);
        List<String> names = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        for (ConfigObject result : results) {
            String name = Objects.requireNonNullElse(Json.string(result, "name"), "-");
            String kind = kind(result);
            names.add(qualify && !kind.isEmpty() ? kind + "/" + name : name);
            statuses.add(Objects.requireNonNullElse(Json.string(result, "status"), "-"));
        }
        int nameWidth = names.stream().mapToInt(String::length).max().orElse(0);
        int statusWidth = statuses.stream().mapToInt(String::length).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            lines.add(
                    pad(names.get(i), nameWidth)
                            + GAP
                            + pad(statuses.get(i), statusWidth)
                            + GAP
                            + seenBy);
        }
        return lines;
    }

    /**
     * {@code meshctl: warning: accepted by NODE, still replicating (seen by 1/3 nodes)} when the
     * node answered 202 or {@code "replicating": true}.
     */
    static Optional<String> warning(NodeAddress node, NodeClient.JsonAnswer answer) {
        if (answer.status() != 202 && !Json.bool(answer.body(), "replicating")) {
            return Optional.empty();
        }
        return Optional.of(
                "meshctl: warning: accepted by "
                        + node
                        + ", still replicating (seen by "
                        + Json.number(answer.body(), "seen-by", 0)
                        + "/"
                        + Json.number(answer.body(), "members", 0)
                        + " nodes)");
    }

    private static String kind(ConfigObject result) {
        String kind = Json.string(result, "kind");
        return kind == null ? "" : kind.toLowerCase(Locale.ROOT);
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
