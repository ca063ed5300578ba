package io.rhizome.mesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshctl top [SERVICE]}: the busiest paths of the mesh, live. It taps every node (as {@code
 * meshctl tap} does) and counts what it sees. On a terminal it redraws in place every {@code
 * --interval} and quits on {@code q} (or Ctrl-C); otherwise it watches for one interval, prints one
 * snapshot and exits.
 */
@Command(
        name = "top",
        mixinStandardHelpOptions = true,
        description = {
            "Shows the busiest paths (service, method, path) with their rate, success rate and p50/p99 "
                    + "latency, counted from a live tap of every node since top started.",
            "Connections carried as bytes (TCP services, WebSockets after their handshake, CONNECT "
                    + "tunnels) show as PATH (connections), one row per service and kind: their rate is "
                    + "connections per second and their p50/p99 are connection durations.",
            "On a terminal it refreshes in place and quits on q; otherwise it prints one snapshot after "
                    + "--interval and exits."
        })
final class TopCommand extends NodeCommand {

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "SERVICE",
            description = "Only this service.")
    private String service;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            defaultValue = "2s",
            description = "Refresh every DURATION, 1s..60s (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Option(
            names = "--rows",
            paramLabel = "N",
            defaultValue = "20",
            description = "Paths shown (default: ${DEFAULT-VALUE}).")
    private int rows;

    @Override
    public Integer call() throws Exception {
        Duration every = parseInterval(interval);
        if (rows < 1) {
            throw MeshctlException.usage("--rows: " + rows + " (expected: at least 1)");
        }
        String query =
                "?direction=outbound"
                        + (service == null ? "" : "&service=" + NodeClient.segment(service));
        TopView view = new TopView(System.nanoTime());
        CountDownLatch ended = new CountDownLatch(1);
        try (TapStream stream = TapStream.open(node(), query)) {
            Thread reader =
                    new Thread(
                            () -> {
                                stream.forEach(
                                        line -> {
                                            if ("request".equals(Json.string(line, "type"))) {
                                                view.add(line);
                                            }
                                            return true;
                                        });
                                ended.countDown();
                            },
                            "meshctl-top-reader");
            reader.setDaemon(true);
            reader.start();
            boolean terminal = System.console() != null && meshctl().interactive();
            if (!terminal) {
                ended.await(every.toMillis(), TimeUnit.MILLISECONDS);
                view.table(rows, System.nanoTime()).print(out());
                return Meshctl.EXIT_OK;
            }
            return live(view, every, ended);
        }
    }

    /** Redraws until q, Ctrl-C or the node ending the stream; the terminal is restored after. */
    private int live(TopView view, Duration every, CountDownLatch ended)
            throws InterruptedException {
        String saved = stty("-g").strip();
        stty("-icanon", "-echo", "min", "0", "time", "1");
        Thread restore = new Thread(() -> stty(saved));
        Runtime.getRuntime().addShutdownHook(restore);
        try {
            InputStream keys = meshctl().stdin();
            long next = 0;
            while (ended.getCount() > 0) {
                long now = System.nanoTime();
                if (now >= next) {
                    StringWriter screen = new StringWriter();
                    view.table(rows, now).print(new PrintWriter(screen, true));
                    out().print(
                                    "\033[H\033[2J"
                                            + "meshctl top"
                                            + (service == null ? "" : " " + service)
                                            + " — "
                                            + meshctl().nodeClient().node()
                                            + " — q quits\n\n"
                                            + screen);
                    out().flush();
                    next = now + every.toNanos();
                }
                if (keys.available() > 0 && (keys.read() == 'q')) {
                    break;
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            // stdin gone: stop as on q
        } finally {
            stty(saved);
            Runtime.getRuntime().removeShutdownHook(restore);
        }
        out().println();
        return Meshctl.EXIT_OK;
    }

    /** Runs {@code stty} on the terminal; the output of {@code -g}, or "" when it fails. */
    private static String stty(String... args) {
        try {
            String[] command = new String[args.length + 1];
            command[0] = "stty";
            System.arraycopy(args, 0, command, 1, args.length);
            Process p =
                    new ProcessBuilder(command)
                            .redirectInput(
                                    ProcessBuilder.Redirect.from(Path.of("/dev/tty").toFile()))
                            .redirectErrorStream(true)
                            .start();
            String output = new String(p.getInputStream().readAllBytes());
            p.waitFor(2, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static Duration parseInterval(String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,5})(ms|s)").matcher(text.strip());
        Duration d =
                m.matches()
                        ? (m.group(2).equals("s")
                                ? Duration.ofSeconds(Long.parseLong(m.group(1)))
                                : Duration.ofMillis(Long.parseLong(m.group(1))))
                        : Duration.ZERO;
        if (d.compareTo(Duration.ofMillis(500)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
            throw MeshctlException.usage(
                    "--interval: '" + text + "' (expected: 500ms..60s, e.g. 2s)");
        }
        return d;
    }
}
