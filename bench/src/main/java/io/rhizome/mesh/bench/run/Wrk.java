package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop throughput with wrk: {@code connections} connections, each sending its next request
 * when the last one is answered.
 */
final class Wrk {
    /** What one wrk run reported. */
    record Result(
            double rps,
            long requests,
            long non2xx,
            long socketErrors,
            double p99Millis,
            String output) {
        boolean clean() {
            return requests > 0 && non2xx == 0 && socketErrors == 0;
        }
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET =
            Pattern.compile(
                    "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");

    private Wrk() {}

    static Result run(String cpus, String url, String host, int connections, Duration duration)
            throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                "taskset",
                                "-c",
                                cpus,
                                "wrk",
                                "-t1",
                                "-c" + connections,
                                "-d" + duration.toSeconds() + "s",
                                "--latency",
                                "-H",
                                "Host: " + host,
                                url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        Matcher rps = RPS.matcher(text);
        Matcher requests = REQUESTS.matcher(text);
        if (!rps.find() || !requests.find()) {
            throw new IOException("wrk against " + url + " printed no result: " + text.strip());
        }
        long non2xx = 0;
        Matcher m = NON2XX.matcher(text);
        if (m.find()) {
            non2xx = Long.parseLong(m.group(1));
        }
        long socket = 0;
        m = SOCKET.matcher(text);
        if (m.find()) {
            for (int i = 1; i <= 4; i++) {
                socket += Long.parseLong(m.group(i));
            }
        }
        double p99 = Double.NaN;
        m = P99.matcher(text);
        if (m.find()) {
            double v = Double.parseDouble(m.group(1));
            p99 =
                    switch (m.group(2)) {
                        case "us" -> v / 1000;
                        case "s" -> v * 1000;
                        default -> v;
                    };
        }
        return new Result(
                Double.parseDouble(rps.group(1)),
                Long.parseLong(requests.group(1)),
                non2xx,
                socket,
                p99,
                text);
    }
}
