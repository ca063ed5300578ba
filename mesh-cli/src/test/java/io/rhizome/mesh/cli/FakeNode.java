package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A node's admin API that answers canned JSON and records what it was asked. */
final class FakeNode implements AutoCloseable {

  /**
   * One request as the node received it; {@code path} is raw (still percent-encoded), {@code body}
   * empty when none was sent.
   */
  record Request(
      String method, String path, String authorization, String accept, String contentType, String body) {}

  private record Answer(int status, String body) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private FakeNode(HttpServer server) {
    this.server = server;
  }

  static FakeNode start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    FakeNode node = new FakeNode(server);
    server.createContext("/", node::handle);
    server.start();
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
            new String(exchange.getRequestBody().readAllBytes(), UTF_8)));
    Answer answer =
        answers.getOrDefault(
            path, new Answer(404, "{\"error\": \"not-found\", \"message\": \"no route " + path + "\"}"));
    byte[] body = answer.body().getBytes(UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
