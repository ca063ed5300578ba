package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import io.rhizome.mesh.protocol.v1.ErrorResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * A small client of one node's admin API: JSON over HTTP/1.1, answers parsed into the {@code
 * rhizome.v1} admin messages.
 *
 * <p>Failures are {@link NodeUnreachableException} (no answer at all) or {@link
 * NodeRefusedException} (an answer that is not a success).
 */
final class NodeClient {

    /** How long to wait for the TCP connection: 2 s. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** How long to wait for a whole answer: 10 s. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final NodeAddress node;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;

    private NodeClient(
            NodeAddress node,
            String token,
            SSLContext tls,
            Duration connectTimeout,
            Duration requestTimeout) {
        this.node = requireNonNull(node, "node");
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout");
        // HTTP/1.1 on purpose: the default (HTTP/2) would send an h2c upgrade on every plain
        // request.
        HttpClient.Builder builder =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
                        .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    /**
     * A client of {@code node} with the default timeouts.
     *
     * @param token sent as {@code Authorization: Bearer <token>} unless null or blank
     */
    static NodeClient create(NodeAddress node, String token) {
        return new NodeClient(node, token, null, CONNECT_TIMEOUT, REQUEST_TIMEOUT);
    }

    /**
     * A client of {@code node} over HTTPS with {@code tls} (see {@link ClientTls}).
     *
     * @param token sent as {@code Authorization: Bearer <token>} unless null or blank
     */
    static NodeClient create(NodeAddress node, String token, SSLContext tls) {
        return new NodeClient(node, token, tls, CONNECT_TIMEOUT, REQUEST_TIMEOUT);
    }

    /** For tests that must not wait for the real timeouts. */
    static NodeClient create(
            NodeAddress node, String token, Duration connectTimeout, Duration requestTimeout) {
        return new NodeClient(node, token, null, connectTimeout, requestTimeout);
    }

    NodeAddress node() {
        return node;
    }

    /**
     * GETs {@code path} and parses the JSON answer into a message of {@code prototype}'s type.
     *
     * @param path starting with {@code /}, already encoded (see {@link #segment(String)})
     */
    <M extends Message> M get(String path, M prototype) {
        HttpResponse<String> response = send(request(path).GET().build());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw refused("GET " + path, status, response.body());
        }
        Message.Builder builder = prototype.newBuilderForType();
        try {
            PARSER.merge(response.body(), builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new NodeRefusedException(
                    status,
                    "node sent an unreadable answer to GET " + path + ": " + e.getMessage());
        }
        @SuppressWarnings("unchecked") // newBuilderForType() builds the prototype's own type
        M message = (M) builder.build();
        return message;
    }

    /**
     * A success the node answered to a free-form JSON request.
     *
     * @param status 2xx; {@code 202} when a write was accepted but is still replicating
     * @param body the JSON object the node sent, empty when it sent none
     */
    record JsonAnswer(int status, ConfigObject body) {}

    /** GETs {@code path} and returns its JSON object as is (resources, check). */
    JsonAnswer getJson(String path) {
        return exchange("GET", path, null);
    }

    /** POSTs {@code json} ({@code Content-Type: application/json}) to {@code path}. */
    JsonAnswer postJson(String path, String json) {
        return exchange("POST", path, requireNonNull(json, "json"));
    }

    /** DELETEs {@code path}. */
    JsonAnswer delete(String path) {
        return exchange("DELETE", path, null);
    }

    private JsonAnswer exchange(String method, String path, String json) {
        HttpRequest.Builder request = request(path);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json, UTF_8));
        }
        HttpResponse<String> response = send(request.build());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw refused(method + " " + path, status, response.body());
        }
        try {
            return new JsonAnswer(status, Json.parse(response.body()));
        } catch (ConfigException e) {
            throw new NodeRefusedException(
                    status,
                    "node sent an unreadable answer to "
                            + method
                            + " "
                            + path
                            + ": "
                            + e.getMessage());
        }
    }

    /**
     * GETs a streaming answer ({@code /v1/tap}): the open body, read until the node ends it or the
     * caller closes it (which ends the request on the node). No overall timeout applies.
     */
    java.io.InputStream stream(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(node.baseUri() + path))
                        .header("Accept", "application/x-ndjson, application/json")
                        .header("User-Agent", "meshctl/" + Meshctl.version())
                        .GET()
                        .build();
        if (token != null) {
            request =
                    HttpRequest.newBuilder(request, (name, value) -> true)
                            .header("Authorization", "Bearer " + token)
                            .build();
        }
        HttpResponse<java.io.InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new NodeUnreachableException(node, reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshctlException("interrupted", Meshctl.EXIT_REFUSED);
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            String body;
            try (java.io.InputStream in = response.body()) {
                body = new String(in.readAllBytes(), UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw refused("GET " + path, status, body);
        }
        return response.body();
    }

    /** Encodes one path segment, e.g. a service name: spaces become {@code %20}, not {@code +}. */
    static String segment(String value) {
        return URLEncoder.encode(value, UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(node.baseUri() + path))
                        .timeout(requestTimeout)
                        .header("Accept", "application/json")
                        .header("User-Agent", "meshctl/" + Meshctl.version());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
        } catch (IOException e) {
            throw new NodeUnreachableException(node, reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshctlException("interrupted", Meshctl.EXIT_REFUSED);
        }
    }

    private String reason(IOException failure) {
        if (failure instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
        }
        if (failure instanceof HttpTimeoutException) {
            return "no answer within " + seconds(requestTimeout);
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host " + node.baseUri().getHost();
            }
        }
        String detail = deepestMessage(failure);
        if (failure instanceof ConnectException) {
            return detail == null ? "connection refused" : detail.toLowerCase(Locale.ROOT);
        }
        String reason = detail == null ? failure.getClass().getSimpleName() : detail;
        if ("http".equals(node.baseUri().getScheme())
                && (reason.contains("EOF reached") || reason.contains("received no bytes"))) {
            // A TLS server closes a plain-HTTP connection without an answer.
            reason += " (a node with rhizome.admin.tls on speaks HTTPS only: --tls-ca or $MESH_CA)";
        }
        return reason;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0
                ? duration.toSeconds() + "s"
                : duration.toMillis() + "ms";
    }

    private static String deepestMessage(Throwable failure) {
        String message = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** Turns a non-2xx answer into one line: the node's own message when it sent one. */
    private static NodeRefusedException refused(String what, int status, String body) {
        String message = null;
        if (body != null && !body.isBlank()) {
            try {
                ErrorResponse.Builder error = ErrorResponse.newBuilder();
                PARSER.merge(body, error);
                message = !error.getMessage().isBlank() ? error.getMessage() : error.getError();
            } catch (InvalidProtocolBufferException | RuntimeException notJson) {
                // Not an ErrorResponse (a proxy's HTML page, say): fall back to the status line.
            }
        }
        if (message == null || message.isBlank()) {
            message = what + ": HTTP " + status + hint(status);
        }
        return new NodeRefusedException(status, message.strip());
    }

    private static String hint(int status) {
        return switch (status) {
            case 401 -> " Unauthorized (is MESH_TOKEN set?)";
            case 403 -> " Forbidden";
            case 404 -> " Not Found (is this a Rhizome node?)";
            default -> "";
        };
    }
}
