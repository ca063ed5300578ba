package io.rhizome.mesh.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
}
