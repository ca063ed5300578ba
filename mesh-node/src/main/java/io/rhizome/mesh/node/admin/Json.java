package io.rhizome.mesh.node.admin;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;

/** Renders plain maps and lists as JSON responses (for shapes without a protobuf schema). */
final class Json {
    private static final ConfigRenderOptions JSON =
            ConfigRenderOptions.concise().setJson(true).setFormatted(true);

    private Json() {}

    static String render(Object value) {
        return ConfigValueFactory.fromAnyRef(value).render(JSON) + "\n";
    }

    private static final ConfigRenderOptions LINE = ConfigRenderOptions.concise().setJson(true);

    /** One line of JSON without a newline (NDJSON streams). */
    static String line(Object value) {
        return ConfigValueFactory.fromAnyRef(value).render(LINE);
    }

    static HttpResponse response(StatusCode status, Map<String, ?> body) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(ContentTypes.APPLICATION_JSON, render(body));
    }

    static HttpResponse error(StatusCode status, String error, String message) {
        return response(status, Map.of("error", error, "message", message));
    }
}
