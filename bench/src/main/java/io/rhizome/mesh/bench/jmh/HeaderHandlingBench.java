package io.rhizome.mesh.bench.jmh;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.rhizome.mesh.node.proxy.HopByHop;
import io.rhizome.mesh.node.proxy.netty.HeaderEditor;
import io.rhizome.mesh.protocol.v1.HeaderEdits;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Header handling of every proxied message: hop-by-hop stripping (RFC 9110 §7.6.1, with and without
 * a Connection header naming more) and a Route's header edits. Each invocation builds its message
 * (the headers are mutated); {@code buildOnly} measures that part alone, to subtract.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderHandlingBench {
    HeaderEdits edits;

    @Setup
    public void setUp() {
        edits =
                HeaderEdits.newBuilder()
                        .putSet("x-route", "orders-v2")
                        .putAdd("x-added", "1")
                        .addRemove("x-debug")
                        .build();
    }

    private static HttpRequest request(boolean connectionTokens) {
        HttpRequest r =
                new DefaultHttpRequest(
                        HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items?page=2");
        r.headers()
                .add("host", "orders")
                .add("user-agent", "curl/8.5.0")
                .add("accept", "*/*")
                .add("x-request-id", "3f1c2a")
                .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .add("x-debug", "1");
        if (connectionTokens) {
            r.headers()
                    .add("connection", "keep-alive, x-private")
                    .add("keep-alive", "timeout=5")
                    .add("x-private", "secret");
        }
        return r;
    }

    @Benchmark
    public HttpRequest buildOnly() {
        return request(false);
    }

    @Benchmark
    public HttpRequest hopByHopPlain() {
        HttpRequest r = request(false);
        HopByHop.strip(r.headers());
        return r;
    }

    @Benchmark
    public HttpRequest hopByHopWithConnectionTokens() {
        HttpRequest r = request(true);
        HopByHop.strip(r.headers());
        return r;
    }

    @Benchmark
    public HttpRequest routeHeaderEdits() {
        HttpRequest r = request(false);
        HeaderEditor.apply(edits, r.headers());
        return r;
    }

    @Benchmark
    public HttpResponse responseHopByHop() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers()
                .add("content-type", "text/plain")
                .add("content-length", "3")
                .add("connection", "keep-alive")
                .add("date", "Thu, 26 Nov 2026 10:00:00 GMT")
                .add("server", "nginx");
        HopByHop.strip(r.headers());
        return r;
    }
}
