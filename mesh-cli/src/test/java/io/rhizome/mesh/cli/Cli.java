package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Runs {@link Meshctl#run} in-process and captures what a user would see. */
final class Cli {

    record Result(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Cli() {}

    static Result run(Map<String, String> env, String... args) {
        return runWithStdin("", env, args);
    }

    /** Runs with {@code stdin} as what {@code apply -f -} reads. */
    static Result runWithStdin(String stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream outStream = new PrintStream(out, true, UTF_8);
                PrintStream errStream = new PrintStream(err, true, UTF_8)) {
            exitCode =
                    Meshctl.run(
                            args,
                            new ByteArrayInputStream(stdin.getBytes(UTF_8)),
                            outStream,
                            errStream,
                            env);
        }
        return new Result(exitCode, out.toString(UTF_8), err.toString(UTF_8));
    }

    static Result run(String... args) {
        return run(Map.of(), args);
    }
}
