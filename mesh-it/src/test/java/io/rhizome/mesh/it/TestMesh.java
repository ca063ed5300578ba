package io.rhizome.mesh.it;

import io.rhizome.mesh.testsupport.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Node configurations with free ports, written as HOCON files a user would write. */
final class TestMesh {

    record NodePorts(int cluster, int admin, int outbound, int inbound) {
        static NodePorts free() throws IOException {
            return new NodePorts(
                    FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next());
        }

        String adminAddress() {
            return "127.0.0.1:" + admin;
        }
    }

    private TestMesh() {}

    static Path writeConfig(String name, NodePorts ports, List<String> seeds, String extra)
            throws IOException {
        String seedList = String.join(", ", seeds.stream().map(s -> "\"" + s + "\"").toList());
        String conf =
                """
                rhizome {
                  node.name = "%s"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = [%s], profile = fast }
                  admin { host = "127.0.0.1", port = %d }
                  outbound { host = "127.0.0.1", port = %d }
                  inbound { host = "127.0.0.1", port = %d }
                  data-dir = "%s"
                  shutdown { drain-delay = 1s }
                  %s
                }
                """
                        .formatted(
                                name,
                                ports.cluster(),
                                seedList,
                                ports.admin(),
                                ports.outbound(),
                                ports.inbound(),
                                Processes.WORK.resolve("data/" + name),
                                extra);
        Files.createDirectories(Processes.WORK);
        Path file = Processes.WORK.resolve(name + ".conf");
        Files.writeString(file, conf);
        return file;
    }

    static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Minimal reader for the flat JSON the echo service returns. */
    static Map<String, Object> json(String body) {
        return new MiniJson(body).object();
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> headers(Map<String, Object> echo) {
        return (Map<String, String>) echo.get("headers");
    }

    /** Just enough JSON for test assertions (objects, arrays, strings, numbers, booleans). */
    static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            ws();
            if (peek() == '}') {
                i++;
                return out;
            }
            while (true) {
                ws();
                String key = string();
                ws();
                expect(':');
                out.put(key, value());
                ws();
                char c = s.charAt(i++);
                if (c == '}') {
                    return out;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("bad JSON at " + i + ": " + s);
                }
            }
        }

        Object value() {
            ws();
            char c = peek();
            if (c == '{') {
                return object();
            }
            if (c == '[') {
                i++;
                List<Object> list = new ArrayList<>();
                ws();
                if (peek() == ']') {
                    i++;
                    return list;
                }
                while (true) {
                    list.add(value());
                    ws();
                    char d = s.charAt(i++);
                    if (d == ']') {
                        return list;
                    }
                }
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String word = s.substring(start, i);
            return switch (word) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default ->
                        word.matches("-?\\d+")
                                ? (Object) Long.parseLong(word)
                                : (Object) Double.parseDouble(word);
            };
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            return s.charAt(i);
        }

        private void expect(char c) {
            ws();
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + i + ": " + s);
            }
            i++;
        }
    }
}
