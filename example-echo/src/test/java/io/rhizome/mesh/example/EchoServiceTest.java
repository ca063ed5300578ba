package io.rhizome.mesh.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EchoServiceTest {

    private static EchoService service;
    private static HttpClient client;

    @BeforeAll
    static void startService() throws IOException {
        service = EchoService.start("echo-t", "127.0.0.1", 0);
        client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
    }

    @AfterAll
    static void stopService() {
        service.stop();
    }

    private static URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + service.port() + pathAndQuery);
    }

    private static HttpResponse<String> get(String pathAndQuery) throws Exception {
        HttpRequest req =
                HttpRequest.newBuilder(uri(pathAndQuery))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path) throws Exception {
        HttpRequest req =
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sequential_requests_on_one_keep_alive_connection_answer_in_milliseconds_not_tens()
            throws Exception {
        get("/warm-up");
        long[] millis = new long[20];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            assertThat(get("/seq/" + i).statusCode()).isEqualTo(200);
            millis[i] = (System.nanoTime() - start) / 1_000_000;
        }
        java.util.Arrays.sort(millis);
        // Nagle's algorithm meeting delayed ACKs costs ~40 ms per request; the median must be far
        // below.
        assertThat(millis[millis.length / 2])
                .as("median ms of %s", java.util.Arrays.toString(millis))
                .isLessThan(15);
    }

    @Test
    void control_fail_makes_every_request_but_health_checks_answer_500_until_recover()
            throws Exception {
        try {
            HttpResponse<String> failing = post("/control/fail");
            assertThat(failing.statusCode()).isEqualTo(200);
            assertThat(failing.body().trim()).isEqualTo("failing");
            HttpResponse<String> r = get("/any/path");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");
            assertThat(get("/healthz").statusCode())
                    .as("the health check still passes")
                    .isEqualTo(200);
        } finally {
            assertThat(post("/control/recover").body().trim()).isEqualTo("ok");
        }
        assertThat(get("/any/path").statusCode()).isEqualTo(200);
        assertThat(get("/control/fail").statusCode()).as("GET changes nothing").isEqualTo(404);
        assertThat(get("/any/path").statusCode()).isEqualTo(200);
    }

    @Test
    void binds_a_free_port_when_asked_for_port_0() {
        assertThat(service.port()).isPositive();
        assertThat(service.name()).isEqualTo("echo-t");
    }

    @Test
    void healthz_answers_ok_with_the_instance_header() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().trim()).isEqualTo("ok");
        assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");
    }

    @Test
    void echoes_a_post_with_method_path_query_headers_and_body_size() throws Exception {
        byte[] body = new byte[300_000];
        HttpRequest req =
                HttpRequest.newBuilder(uri("/some/p%20ath?a=1&b=x%20y"))
                        .timeout(Duration.ofSeconds(10))
                        .header("X-Test", "hello \"quoted\"")
                        .header("X-Multi", "a")
                        .header("X-Multi", "b")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        String json = r.body();
        assertThat(json).startsWith("{\"instance\": \"echo-t\", \"method\": \"POST\", ");
        assertThat(json).contains("\"path\": \"/some/p%20ath\"");
        assertThat(json).contains("\"query\": \"a=1&b=x%20y\"");
        assertThat(json).contains("\"x-test\": \"hello \\\"quoted\\\"\"");
        assertThat(json).contains("\"x-multi\": \"a, b\"");
        assertThat(json).contains("\"content-length\": \"300000\"");
        assertThat(json.trim()).endsWith("\"body-bytes\": 300000}");
    }

    @Test
    void echoes_a_get_without_query_as_empty_string() throws Exception {
        HttpResponse<String> r = get("/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains(
                        "\"method\": \"GET\"",
                        "\"path\": \"/x\"",
                        "\"query\": \"\"",
                        "\"body-bytes\": 0}");
    }

    @Test
    void download_streams_the_requested_number_of_bytes() throws Exception {
        long want = 1_000_003;
        HttpRequest req =
                HttpRequest.newBuilder(uri("/download?bytes=" + want))
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build();
        HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/octet-stream");
        assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");
        long n = 0;
        byte[] buf = new byte[16384];
        try (InputStream in = r.body()) {
            int k;
            while ((k = in.read(buf)) != -1) {
                n += k;
            }
        }
        assertThat(n).isEqualTo(want);
    }

    @Test
    void download_of_zero_bytes_and_bad_sizes() throws Exception {
        HttpResponse<String> zero = get("/download?bytes=0");
        assertThat(zero.statusCode()).isEqualTo(200);
        assertThat(zero.body()).isEmpty();
        assertThat(get("/download?bytes=-5").statusCode()).isEqualTo(400);
        assertThat(get("/download").statusCode()).isEqualTo(400);
    }

    @Test
    void status_answers_with_the_requested_code() throws Exception {
        HttpResponse<String> r = get("/status/503");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("503");
        assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");

        HttpResponse<String> noContent = get("/status/204");
        assertThat(noContent.statusCode()).isEqualTo(204);
        assertThat(noContent.body()).isEmpty();

        assertThat(get("/status/abc").statusCode()).isEqualTo(400);
        assertThat(get("/status/99").statusCode()).isEqualTo(400);
    }

    @Test
    void delay_waits_then_echoes() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = get("/delay/150?k=v");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ms).isGreaterThanOrEqualTo(150);
        assertThat(r.body()).contains("\"path\": \"/delay/150\"", "\"query\": \"k=v\"");
        assertThat(get("/delay/x").statusCode()).isEqualTo(400);
    }

    @Test
    void head_has_headers_and_no_body() throws Exception {
        HttpRequest req =
                HttpRequest.newBuilder(uri("/anything"))
                        .timeout(Duration.ofSeconds(10))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("x-echo-instance")).hasValue("echo-t");
        // the connection stays usable afterwards
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void a_second_instance_on_a_taken_port_fails_to_bind() {
        assertThatThrownBy(() -> EchoService.start("dup", "127.0.0.1", service.port()))
                .isInstanceOf(BindException.class);
    }

    @Test
    void json_strings_are_escaped() {
        assertThat(EchoService.quote("a\"b\\c\nd\te\u0001"))
                .isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001\"");
        assertThat(EchoService.quote("héllo")).isEqualTo("\"héllo\"");
    }

    @Test
    void headers_are_lower_cased_and_joined() {
        Map<String, String> h =
                EchoService.lowerCaseHeaders(
                        Map.of("X-Foo", List.of("1", "2"), "Accept", List.of("*/*")));
        assertThat(h).containsExactly(Map.entry("accept", "*/*"), Map.entry("x-foo", "1, 2"));
    }

    @Test
    void command_line_is_parsed_and_checked() throws Exception {
        EchoService.Args a = EchoService.parseArgs(new String[] {"--name", "v1", "--port", "8080"});
        assertThat(a.name()).isEqualTo("v1");
        assertThat(a.port()).isEqualTo(8080);
        assertThat(a.host()).isEqualTo("127.0.0.1");
        EchoService.Args b =
                EchoService.parseArgs(new String[] {"--name=v2", "--port=1", "--host", "0.0.0.0"});
        assertThat(b.host()).isEqualTo("0.0.0.0");

        assertThatThrownBy(() -> EchoService.parseArgs(new String[] {"--port", "1"}))
                .isInstanceOf(EchoService.UsageException.class)
                .hasMessageContaining("--name");
        assertThatThrownBy(() -> EchoService.parseArgs(new String[] {"--name", "x"}))
                .isInstanceOf(EchoService.UsageException.class)
                .hasMessageContaining("--port");
        assertThatThrownBy(
                        () ->
                                EchoService.parseArgs(
                                        new String[] {"--name", "x", "--port", "70000"}))
                .isInstanceOf(EchoService.UsageException.class)
                .hasMessageContaining("0..65535");
        assertThatThrownBy(() -> EchoService.parseArgs(new String[] {"--name", "x", "--bogus"}))
                .isInstanceOf(EchoService.UsageException.class)
                .hasMessageContaining("--bogus");
        assertThatThrownBy(() -> EchoService.parseArgs(new String[] {"--name"}))
                .isInstanceOf(EchoService.UsageException.class)
                .hasMessageContaining("needs a value");
    }

    @Test
    void theTcpEchoSpeaksFirstThenEchoes() throws Exception {
        try (TcpEcho echo = TcpEcho.start("v9", "127.0.0.1", 0);
                java.net.Socket s = new java.net.Socket("127.0.0.1", echo.port())) {
            s.setSoTimeout(5_000);
            java.io.BufferedReader in =
                    new java.io.BufferedReader(
                            new java.io.InputStreamReader(
                                    s.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("v9 ready");
            s.getOutputStream().write("hällo\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("hällo");
        }
        assertThatThrownBy(
                        () ->
                                EchoService.parseArgs(
                                        new String[] {
                                            "--name", "x", "--port", "1", "--tcp-port", "0"
                                        }))
                .hasMessage("--tcp-port must be a number 1..65535, got '0'");
        assertThat(
                        EchoService.parseArgs(
                                        new String[] {
                                            "--name", "x", "--port", "1", "--tcp-port", "9001"
                                        })
                                .tcpPort())
                .isEqualTo(9001);
    }
}
