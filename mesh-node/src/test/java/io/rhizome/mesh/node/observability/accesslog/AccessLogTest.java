package io.rhizome.mesh.node.observability.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rhizome.mesh.node.config.ConfigError;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's lines and its batched writer, against real files, stdout and sinks that stall or
 * fail.
 */
class AccessLogTest {
    @TempDir Path dir;

    private static RequestRecord record(String path) {
        return new RequestRecord(
                Direction.OUTBOUND,
                "echo",
                "echo-api",
                "spiffe://mesh/web",
                "GET",
                "echo",
                path,
                200,
                "",
                Instant.parse("2026-11-26T10:12:01.532Z").toEpochMilli(),
                1_284_400,
                0,
                94,
                "127.0.0.1:15006",
                "4bf92f3577b34da6a3ce929d0e0e4736",
                0,
                "",
                "",
                "",
                false,
                "version=v2");
    }

    @Test
    void aLineIsTheRecordAsOneJsonObjectWithEveryField() {
        assertThat(AccessLogLine.of("node-3", record("/hello")))
                .isEqualTo(
                        "{\"time\":\"2026-11-26T10:12:01.532Z\","
                                + "\"node\":\"node-3\",\"trace-id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"direction\":\"outbound\","
                                + "\"method\":\"GET\",\"authority\":\"echo\",\"path\":\"/hello\",\"status\":200,\"duration-ms\":1.284,"
                                + "\"service\":\"echo\",\"route\":\"echo-api\",\"subset\":\"version=v2\",\"upstream\":\"127.0.0.1:15006\","
                                + "\"request-bytes\":0,\"response-bytes\":94,\"caller\":\"spiffe://mesh/web\",\"error\":\"\",\"retries\":0,"
                                + "\"flags\":[]}");
    }

    @Test
    void oddTextStaysInsideItsStringAndNumbersKeepTheirForm() {
        String path = "/a\"b\\c\nd\te\u0001f\u0085g\u2028h-é-€-\uD83D\uDE00-\uD800-";
        RequestRecord r =
                new RequestRecord(
                        Direction.INBOUND,
                        "",
                        "",
                        "",
                        "POST",
                        "h",
                        path,
                        0,
                        "timeout",
                        Instant.parse("2026-11-26T10:12:01Z").toEpochMilli(),
                        12_000_000_400_000L,
                        5,
                        0,
                        "",
                        "",
                        2,
                        "retried,client-abort",
                        "",
                        "",
                        false,
                        "");
        String line = AccessLogLine.of("n", r);
        assertThat(line)
                .doesNotContain("\n", "\u2028")
                .contains("\"time\":\"2026-11-26T10:12:01Z\"")
                .contains("\"duration-ms\":12000000.4,")
                .contains("\\u0001")
                .contains("\\u0085")
                .contains("\\u2028")
                .contains("\\ud800");
        JsonObject json = JsonParser.parseString(line).getAsJsonObject();
        assertThat(json.get("path").getAsString()).isEqualTo(path);
        assertThat(json.get("direction").getAsString()).isEqualTo("inbound");
        assertThat(json.get("status").getAsInt()).isZero();
        assertThat(json.get("retries").getAsInt()).isEqualTo(2);
        assertThat(json.get("flags").getAsJsonArray())
                .extracting(e -> e.getAsString())
                .containsExactly("retried", "client-abort");
        assertThat(
                        JsonParser.parseString(
                                        AccessLogLine.of(
                                                "n",
                                                new RequestRecord(
                                                        Direction.INBOUND,
                                                        "",
                                                        "",
                                                        "",
                                                        "GET",
                                                        "",
                                                        "/",
                                                        200,
                                                        "",
                                                        0,
                                                        180_000,
                                                        0,
                                                        0,
                                                        "",
                                                        "",
                                                        0,
                                                        "")))
                                .getAsJsonObject()
                                .get("duration-ms")
                                .toString())
                .isEqualTo("0.18");
    }

    @Test
    void concurrentProducersGetEveryLineWholeInTheFile() throws Exception {
        Path file = dir.resolve("logs/access.log"); // its directory is created too
        AccessLog log = AccessLog.start("node-1", file.toString());
        int threads = 4;
        int each = 2000; // 8000 in all: below the queue's 8192, so none may be dropped however slow
        // the writer
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread p =
                    new Thread(
                            () -> {
                                for (int i = 0; i < each; i++) {
                                    log.onRequest(record("/t" + id + "/" + i));
                                }
                            });
            p.start();
            producers.add(p);
        }
        for (Thread p : producers) {
            p.join();
        }
        log.close();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(threads * each);
        Set<String> paths = new HashSet<>();
        for (String l : lines) {
            paths.add(JsonParser.parseString(l).getAsJsonObject().get("path").getAsString());
        }
        assertThat(paths).hasSize(threads * each).contains("/t0/0", "/t3/1999");
        assertThat(log.written()).isEqualTo(threads * each);
        assertThat(log.dropped()).isZero();
    }

    @Test
    void linesReachTheFileWhileTheLogRuns() throws Exception {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "{\"earlier\":true}\n"); // appended to, never truncated
        AccessLog log = AccessLog.start("node-1", file.toString());
        try {
            log.onRequest(record("/first"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Files.readAllLines(file).size() < 2) {
                assertThat(System.nanoTime())
                        .as("the line reached the file within 10 s")
                        .isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(Files.readAllLines(file))
                    .hasSize(2)
                    .last()
                    .asString()
                    .contains("\"path\":\"/first\"");
        } finally {
            log.close();
        }
    }

    @Test
    void aFileMovedAwayOrDeletedIsReopenedAtItsPath() throws Exception {
        Path file = dir.resolve("rotated/access.log");
        // Checked before every write here; the log checks once a second.
        try (AccessLogSink sink = new AccessLogSink.AppendedFile(file, 0)) {
            sink.write("a\n".getBytes(StandardCharsets.UTF_8), 2);
            Files.move(
                    file, dir.resolve("rotated/access.log.1")); // logrotate's default (create) mode
            sink.write("b\n".getBytes(StandardCharsets.UTF_8), 2);
            assertThat(Files.readAllLines(dir.resolve("rotated/access.log.1")))
                    .containsExactly("a");
            assertThat(Files.readAllLines(file)).containsExactly("b");

            Files.delete(file);
            sink.write("c\n".getBytes(StandardCharsets.UTF_8), 2);
            assertThat(Files.readAllLines(file)).containsExactly("c");

            Files.write(
                    file,
                    new byte[0],
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING); // copytruncate
            sink.write("d\n".getBytes(StandardCharsets.UTF_8), 2);
            assertThat(Files.readAllLines(file)).containsExactly("d");
        }
    }

    @Test
    void stdoutGetsTheLines() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            AccessLog log = AccessLog.start("node-1", "stdout");
            log.onRequest(record("/one"));
            log.onRequest(record("/two"));
            log.close();
        } finally {
            System.setOut(original);
        }
        // Only the access log's lines: another thread of the test JVM may print too.
        List<String> lines =
                captured.toString(StandardCharsets.UTF_8)
                        .lines()
                        .filter(l -> l.contains("\"node\":\"node-1\""))
                        .toList();
        assertThat(lines).hasSize(2);
        assertThat(JsonParser.parseString(lines.get(1)).getAsJsonObject().get("path").getAsString())
                .isEqualTo("/two");
    }

    @Test
    void aFullQueueDropsNewLinesAndCountsThem() throws Exception {
        StallingSink sink = new StallingSink();
        AccessLog log = AccessLog.start("node-1", sink, 4, TimeUnit.MILLISECONDS.toNanos(1));
        log.onRequest(record("/0"));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS))
                .as("the writer took the first line")
                .isTrue();
        for (int i = 1; i <= 7; i++) { // 4 fit in the queue while the writer is stuck; 3 do not
            log.onRequest(record("/" + i));
        }
        assertThat(log.dropped()).isEqualTo(3);
        sink.release.countDown();
        log.close();
        assertThat(log.written()).isEqualTo(5);
        assertThat(sink.text())
                .contains("\"path\":\"/0\"", "\"path\":\"/4\"")
                .doesNotContain("\"path\":\"/5\"");
        log.onRequest(record("/after-close"));
        assertThat(log.dropped()).isEqualTo(4);
    }

    @Test
    void closeWritesTheLinesStillGathering() throws Exception {
        StallingSink sink = new StallingSink();
        sink.release.countDown();
        // After a batch the writer waits an hour for the next one: only close can make it write.
        AccessLog log = AccessLog.start("node-1", sink, 100, TimeUnit.HOURS.toNanos(1));
        log.onRequest(record("/first"));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();
        log.onRequest(record("/last-1"));
        log.onRequest(record("/last-2"));
        long started = System.nanoTime();
        log.close();
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(sink.text()).contains("/first", "/last-1", "/last-2");
        assertThat(log.written()).isEqualTo(3);
        assertThat(sink.closed).isTrue();
    }

    @Test
    void aFailedWriteCountsItsLinesAsDropped() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        AccessLog log =
                AccessLog.start(
                        "node-1",
                        new AccessLogSink() {
                            @Override
                            public void write(byte[] bytes, int length) throws IOException {
                                failed.countDown();
                                throw new IOException("No space left on device");
                            }

                            @Override
                            public void close() {}
                        },
                        100,
                        TimeUnit.MILLISECONDS.toNanos(1));
        log.onRequest(record("/lost"));
        log.close();
        assertThat(failed.getCount()).isZero();
        assertThat(log.dropped()).isEqualTo(1);
        assertThat(log.written()).isZero();
    }

    @Test
    void aTargetThatCannotBeOpenedIsAConfigErrorNamingTheKey() {
        assertThatThrownBy(() -> AccessLog.start("node-1", dir.toString())) // a directory
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith(
                        "rhizome.access-log.target: \"" + dir + "\" cannot be opened for appending")
                .hasMessageContaining("expected: stdout or a writable file path");
    }

    /** Holds the writer inside its first write until released; keeps what it was given. */
    private static final class StallingSink implements AccessLogSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        volatile boolean closed;

        @Override
        public void write(byte[] bytes, int length) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (out) {
                out.write(bytes, 0, length);
            }
        }

        String text() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
