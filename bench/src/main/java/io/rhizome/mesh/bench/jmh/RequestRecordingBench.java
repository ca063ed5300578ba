package io.rhizome.mesh.bench.jmh;

import io.rhizome.mesh.node.config.HostPort;
import io.rhizome.mesh.node.observability.RequestRecord;
import io.rhizome.mesh.node.observability.RequestRecord.Direction;
import io.rhizome.mesh.node.observability.RequestRecordBuilder;
import io.rhizome.mesh.node.observability.accesslog.AccessLog;
import io.rhizome.mesh.node.observability.accesslog.AccessLogLine;
import io.rhizome.mesh.node.observability.accesslog.LineBuffer;
import io.rhizome.mesh.node.observability.metrics.RequestMetrics;
import io.rhizome.mesh.node.observability.stats.StatsRecorder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What recording one finished request costs the event loop, piece by piece: building its {@link
 * RequestRecord}, counting it in the Prometheus metrics, in {@code stat}'s window, and formatting
 * and queueing its access-log line (to {@code /dev/null}, so the writer thread never falls behind;
 * this measures the event loop's side only). Compare with the CPU a proxied request costs in {@code
 * bench/run} (tens of microseconds).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestRecordingBench {
    private final RequestRecordBuilder builder = new RequestRecordBuilder();
    private final HostPort upstream = new HostPort("127.0.0.1", 15006);
    private RequestRecord record;
    private RequestMetrics metrics;
    private StatsRecorder stats;
    private AccessLog accessLog;
    private final AccessLogLine line = new AccessLogLine("bench");
    private final LineBuffer buffer = new LineBuffer(64 * 1024);

    @Setup
    public void setUp() {
        metrics = RequestMetrics.create(2000, "web");
        stats = StatsRecorder.create("web", List.of(), "node-1", System::currentTimeMillis);
        accessLog = AccessLog.start("bench", "/dev/null");
        record =
                new RequestRecord(
                        Direction.OUTBOUND,
                        "bench",
                        "bench-api",
                        "",
                        "GET",
                        "bench",
                        "/",
                        200,
                        "",
                        System.currentTimeMillis(),
                        180_000,
                        0,
                        3,
                        "127.0.0.1:15006",
                        "4bf92f3577b34da6a3ce929d0e0e4736",
                        0,
                        "",
                        "00f067aa0ba902b7",
                        "",
                        true,
                        "version=v1");
    }

    @TearDown
    public void tearDown() {
        accessLog.close();
    }

    @Benchmark
    public void buildRecord(Blackhole bh) {
        builder.start(true, Direction.OUTBOUND, System.nanoTime());
        builder.request("GET", "bench", "/");
        builder.service("bench");
        builder.route("bench-api");
        builder.upstream(upstream);
        builder.subset("version=v1");
        builder.status(200);
        builder.addResponseBytes(3);
        builder.emit(bh::consume, System.nanoTime());
    }

    @Benchmark
    public void metrics() {
        metrics.onRequest(record);
    }

    @Benchmark
    public void statWindow() {
        stats.onRequest(record);
    }

    @Benchmark
    public String accessLogLine() {
        return AccessLogLine.of("bench", record);
    }

    @Benchmark
    public int accessLogFormat() {
        buffer.clear();
        line.append(record, buffer);
        return buffer.length();
    }

    @Benchmark
    public void accessLog() {
        accessLog.onRequest(record);
    }
}
