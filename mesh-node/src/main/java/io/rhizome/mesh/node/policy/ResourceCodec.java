package io.rhizome.mesh.node.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts policy resources between the friendly shape users write (docs/resources.md: HOCON, JSON
 * or an already parsed tree) and the stored protobuf form. Reading validates every field and fills
 * in every documented default, so the stored form is explicit; a batch is all or nothing: the first
 * problem is thrown as a {@link ResourceError} and nothing is returned.
 */
public final class ResourceCodec {

    private static final Set<String> RESOURCE_KEYS =
            Set.of("kind", "name", "spec", "version", "writer", "written-at");
    private static final String KINDS = "Route | DestinationPolicy | RateLimit | Authorization";

    private ResourceCodec() {}

    /**
     * Reads a document holding one resource (it has a {@code kind}) or {@code resources = [ ... ]}.
     * Errors name fields as {@code resources[i].spec...} in a list and {@code spec...} for a single
     * resource.
     */
    public static List<Resource> parseDocument(Config doc) {
        Config resolved;
        try {
            // Substitutions see the document only, never the environment of the process reading it.
            resolved = doc.resolve(ConfigResolveOptions.noSystem());
        } catch (ConfigException e) {
            throw new ResourceError("document", oneLine(e));
        }
        Fields root = Fields.of(resolved.root(), "", "an object");
        if (root.has("kind")) {
            return List.of(resource(root));
        }
        if (!root.has("resources")) {
            throw ResourceError.missing("kind", KINDS + ", or a list resources = [ ... ]");
        }
        root.allowOnly(Set.of("resources"));
        List<Resource> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Fields.Element e :
                root.list("resources", 0, Integer.MAX_VALUE, "a list of resources")) {
            Resource r = resource(Fields.of(e.value(), e.path(), "an object { kind, name, spec }"));
            if (!seen.add(r.getKind() + "/" + r.getName())) {
                throw ResourceError.bad(
                        e.path() + ".name",
                        ResourceError.quote(r.getName()),
                        "a name not already used by another " + r.getKind() + " in this batch");
            }
            out.add(r);
        }
        return List.copyOf(out);
    }

    /**
     * Reads JSON: one resource {@code {...}}, {@code {"resources": [...]}} or a top-level list
     * {@code [...]}.
     */
    public static List<Resource> parseJson(String json) {
        String trimmed = json.strip();
        // A top-level list is not a config document; wrap it on the same line so error lines still
        // match.
        String text = trimmed.startsWith("[") ? "{\"resources\": " + trimmed + "\n}" : trimmed;
        return parseDocument(parse(text, ConfigSyntax.JSON));
    }

    /** Reads HOCON: one resource or {@code resources = [ ... ]}; substitutions are resolved. */
    public static List<Resource> parseHocon(String text) {
        return parseDocument(parse(text, ConfigSyntax.CONF));
    }

    /**
     * One resource in the friendly shape: ordered maps and lists of strings, numbers and booleans.
     */
    public static Map<String, Object> toFriendly(Resource r) {
        return FriendlyWriter.resource(r);
    }

    /** Pretty JSON: a single resource as an object, otherwise {@code {"resources": [...]}}. */
    public static String toJson(List<Resource> resources) {
        return render(resources, ConfigRenderOptions.concise().setFormatted(true).setJson(true));
    }

    /** HOCON: a single resource as its keys, otherwise {@code resources = [...]}. */
    public static String toHocon(List<Resource> resources) {
        return render(
                resources,
                ConfigRenderOptions.defaults()
                        .setJson(false)
                        .setOriginComments(false)
                        .setComments(false)
                        .setFormatted(true));
    }

    private static String render(List<Resource> resources, ConfigRenderOptions options) {
        Object tree;
        if (resources.size() == 1) {
            tree = toFriendly(resources.get(0));
        } else {
            tree = Map.of("resources", resources.stream().map(ResourceCodec::toFriendly).toList());
        }
        return ConfigValueFactory.fromAnyRef(tree).render(options);
    }

    private static Resource resource(Fields f) {
        f.allowOnly(RESOURCE_KEYS);
        String kindText = f.text("kind", KINDS);
        ResourceKind kind =
                ResourceKind.parse(kindText)
                        .orElseThrow(
                                () ->
                                        ResourceError.bad(
                                                f.pathOf("kind"), f.value("kind", KINDS), KINDS));
        Resource.Builder b =
                Resource.newBuilder()
                        .setKind(kind.canonical())
                        .setName(Names.name(f, "name", "a resource name"));
        // version, writer and written-at are printed by the node and ignored when read back.
        Fields spec = f.object("spec", "an object");
        switch (kind) {
            case ROUTE -> b.setRoute(RouteSpecReader.read(spec));
            case DESTINATION_POLICY ->
                    b.setDestinationPolicy(DestinationPolicySpecReader.read(spec));
            case RATE_LIMIT -> b.setRateLimit(RateLimitSpecReader.read(spec));
            case AUTHORIZATION -> b.setAuthorization(AuthorizationSpecReader.read(spec));
        }
        return b.build();
    }

    private static Config parse(String text, ConfigSyntax syntax) {
        try {
            return ConfigFactory.parseString(
                    text,
                    ConfigParseOptions.defaults()
                            .setSyntax(syntax)
                            .setOriginDescription("document"));
        } catch (ConfigException e) {
            throw new ResourceError("document", oneLine(e));
        }
    }

    /** The library's message without its origin prefix, on one line, with the line number kept. */
    private static String oneLine(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
            if (e.origin().lineNumber() > 0) {
                message = "line " + e.origin().lineNumber() + ": " + message;
            }
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
