package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.pki.SpiffeId;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;

/** A node's admin API that answers canned JSON and records what it was asked. */
final class FakeNode implements AutoCloseable {

    /**
     * One request as the node received it; {@code path} is raw (still percent-encoded), {@code
     * body} empty when none was sent.
     */
    record Request(
            String method,
            String path,
            String authorization,
            String accept,
            String contentType,
            String body,
            String clientIdentity) {}

    private record Answer(int status, String body) {}

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeNode(HttpServer server) {
        this.server = server;
    }

    static FakeNode start() throws IOException {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FakeNode node = new FakeNode(server);
        server.createContext("/", node::handle);
        server.start();
        return node;
    }

    /**
     * Over HTTPS with {@code server}'s certificate, asking for (not requiring) a client certificate
     * chained to {@code clientCa}, like a node with {@code rhizome.admin.tls} on.
     */
    static FakeNode startHttps(Issued server, X509Certificate clientCa) throws Exception {
        char[] password = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, password);
        keys.setKeyEntry(
                "node", server.key(), password, server.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, password);
        trust.setCertificateEntry("ca", clientCa);
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpsServer https =
                HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(
                new HttpsConfigurator(context) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = context.getDefaultSSLParameters();
                        p.setWantClientAuth(true);
                        params.setSSLParameters(p);
                    }
                });
        FakeNode node = new FakeNode(https);
        https.createContext("/", node::handle);
        https.start();
        return node;
    }

    FakeNode answer(String rawPath, int status, String body) {
        answers.put(rawPath, new Answer(status, body));
        return this;
    }

    FakeNode answer(String rawPath, String json) {
        return answer(rawPath, 200, json);
    }

    /** {@code 127.0.0.1:<port>}, as a user passes it to {@code --node}. */
    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        requests.add(
                new Request(
                        exchange.getRequestMethod(),
                        path,
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("Accept"),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        new String(exchange.getRequestBody().readAllBytes(), UTF_8),
                        clientIdentity(exchange)));
        Answer answer =
                answers.getOrDefault(
                        path,
                        new Answer(
                                404,
                                "{\"error\": \"not-found\", \"message\": \"no route "
                                        + path
                                        + "\"}"));
        byte[] body = answer.body().getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String clientIdentity(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return null;
        }
        try {
            return SpiffeId.of((X509Certificate) https.getSSLSession().getPeerCertificates()[0])
                    .toString();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
