package io.rhizome.mesh.node.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /ui}: the dashboard, one self-contained page (inline CSS, JavaScript and SVG; no
 * external assets) that polls this node's admin API: {@code /v1/members}, {@code /v1/stat},
 * {@code /v1/services} and {@code /v1/convergence}.
 */
final class UiRoutes extends AllDirectives {
    private static final byte[] PAGE = load();

    private static byte[] load() {
        try (InputStream in = UiRoutes.class.getResourceAsStream("ui.html")) {
            if (in == null) {
                throw new IllegalStateException("ui.html missing from the mesh-node jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Route routes() {
        return concat(
                path("ui", () -> get(() -> respondWithHeader(RawHeader.create("Cache-Control", "no-cache"),
                        () -> complete(HttpResponse.create().withEntity(ContentTypes.TEXT_HTML_UTF8, PAGE))))),
                pathSingleSlash(() -> get(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/ui"),
                        org.apache.pekko.http.javadsl.model.StatusCodes.FOUND))));
    }
}
