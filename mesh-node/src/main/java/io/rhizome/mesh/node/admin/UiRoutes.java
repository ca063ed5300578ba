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
 * external assets) that polls this node's admin API: {@code /v1/members}, {@code /v1/stat}, {@code
 * /v1/services} and {@code /v1/convergence}.
 */
final class UiRoutes extends AllDirectives {
    private static final byte[] PAGE = load();

    /**
     * The page may run only its own inline script and style and talk only to this node; nothing may
     * frame it (the token it may hold is never within another site's reach).
     */
    private static final String CSP =
            "default-src 'none'; script-src '"
                    + scriptHash(PAGE)
                    + "'; style-src 'unsafe-inline';"
                    + " connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    /**
     * The CSP source of the page's one inline script: its SHA-256, so that no other script can run.
     */
    static String scriptHash(byte[] page) {
        // Browsers hash the script's text as parsed, with line breaks normalised to LF.
        String html =
                new String(page, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("\r\n", "\n")
                        .replace('\r', '\n');
        int open = html.indexOf("<script>");
        int close = html.indexOf("</script>", open);
        if (open < 0
                || close < 0
                || html.indexOf("<script") != open
                || html.indexOf("<script", close) >= 0) {
            throw new IllegalStateException(
                    "ui.html must hold exactly one inline <script> (its hash goes into the CSP)");
        }
        String script = html.substring(open + "<script>".length(), close);
        try {
            byte[] digest =
                    java.security.MessageDigest.getInstance("SHA-256")
                            .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256-" + java.util.Base64.getEncoder().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

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
                path(
                        "ui",
                        () ->
                                get(
                                        () ->
                                                respondWithHeaders(
                                                        java.util.List.of(
                                                                RawHeader.create(
                                                                        "Cache-Control",
                                                                        "no-cache"),
                                                                RawHeader.create(
                                                                        "Content-Security-Policy",
                                                                        CSP),
                                                                RawHeader.create(
                                                                        "X-Content-Type-Options",
                                                                        "nosniff"),
                                                                RawHeader.create(
                                                                        "Referrer-Policy",
                                                                        "no-referrer")),
                                                        () ->
                                                                complete(
                                                                        HttpResponse.create()
                                                                                .withEntity(
                                                                                        ContentTypes
                                                                                                .TEXT_HTML_UTF8,
                                                                                        PAGE))))),
                pathSingleSlash(
                        () ->
                                get(
                                        () ->
                                                redirect(
                                                        org.apache.pekko.http.javadsl.model.Uri
                                                                .create("/ui"),
                                                        org.apache.pekko.http.javadsl.model
                                                                .StatusCodes.FOUND))));
    }
}
