package io.rhizome.mesh.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starts the project's launchers (bin/) as real processes, the way a user does. */
final class Processes {
    static final Path ROOT =
            Path.of(System.getProperty("rhizome.root", "..")).toAbsolutePath().normalize();
    static final Path WORK = ROOT.resolve("mesh-it/target/it");

    private Processes() {}

    /** A started process with its log file. */
    record Started(String name, Process process, Path log) {
        long pid() {
            return process.pid();
        }

        /** Resident set size in KiB, from /proc. */
        long rssKib() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            return -1;
        }

        String logText() {
            try {
                return Files.readString(log, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "";
            }
        }

        void sigterm() {
            process.destroy(); // SIGTERM on Linux
        }

        void sigkill() {
            process.destroyForcibly(); // SIGKILL
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        name + " did not exit within " + timeout + "; log:\n" + tail());
            }
            return process.exitValue();
        }

        String tail() {
            String text = logText();
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        }
    }

    static Started start(String name, Map<String, String> env, String... command)
            throws IOException {
        Files.createDirectories(WORK);
        Path log = WORK.resolve(name + ".log");
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .directory(ROOT.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new Started(name, pb.start(), log);
    }

    static Started node(String name, Path config) throws IOException {
        return start(
                name,
                Map.of(),
                ROOT.resolve("bin/mesh-node").toString(),
                "--config",
                config.toString());
    }

    static Started greeter(String name, int port) throws IOException {
        return start(
                name,
                Map.of(),
                ROOT.resolve("bin/greeter-service").toString(),
                "--name",
                name,
                "--port",
                String.valueOf(port));
    }

    static Started echo(String name, int port) throws IOException {
        return start(
                name,
                Map.of(),
                ROOT.resolve("bin/echo-service").toString(),
                "--name",
                name,
                "--port",
                String.valueOf(port));
    }

    /** Result of one short command. */
    record Result(int exitCode, String stdout, String stderr) {}

    static Result run(List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        Path out = Files.createTempFile(WORK, "cmd", ".out");
        Path err = Files.createTempFile(WORK, "cmd", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .directory(ROOT.toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("command did not finish: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static Result meshctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/meshctl").toString());
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    /**
     * A port free now, picked below Linux's ephemeral range (32768–60999): a port the kernel hands
     * out for port 0 can be given again to any outbound connection (a node's connect to an
     * instance, Artery's) before the process meant to listen on it binds, seconds later. Never the
     * same port twice in this JVM.
     */
    static int freePort() throws IOException {
        for (int tries = 0; tries < 2_000; tries++) {
            int port = FIRST_PORT + Math.floorMod(nextPort.getAndIncrement(), PORT_SPAN);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // in use: try the next one
            }
        }
        throw new IOException("no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_SPAN - 1));
    }

    private static final int FIRST_PORT = 20_000;
    private static final int PORT_SPAN = 12_000;
    private static final java.util.concurrent.atomic.AtomicInteger nextPort =
            new java.util.concurrent.atomic.AtomicInteger(
                    java.util.concurrent.ThreadLocalRandom.current().nextInt(PORT_SPAN));

    /**
     * Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code
     * timeout}.
     */
    static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException ignored) {
                // not yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
    }
}
