package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the benchmark started (a proxy, an upstream, a node), pinned to CPUs with taskset, its
 * output in a log file; and what /proc says about it: CPU time and resident memory.
 */
public final class Proc {
    /** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ: 100 on Linux). */
    static final double TICKS_PER_SECOND = 100.0;

    private final String name;
    private final Process process;
    private final Path log;

    private Proc(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} pinned to {@code cpus} (taskset -c; taskset execs, so the pid is the
     * command's).
     */
    public static Proc start(
            String name,
            String cpus,
            List<String> command,
            Path log,
            Map<String, String> env,
            Path dir)
            throws IOException {
        List<String> full = new ArrayList<>();
        if (cpus != null) {
            full.add("taskset");
            full.add("-c");
            full.add(cpus);
        }
        full.addAll(command);
        ProcessBuilder pb =
                new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        return new Proc(name, pb.start(), log);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** user + system CPU seconds used so far (all threads). */
    public double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
            // The command name (field 2) may hold spaces; fields after its closing parenthesis are
            // fixed.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return (utime + stime) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * CPU seconds used so far by the JVM's JIT compiler threads ("C1/C2 CompilerThread"); 0 for
     * other processes.
     */
    public double compilerCpuSeconds() {
        double s = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    if (stat.contains("CompilerThre")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                        s += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return s;
    }

    /** Resident set size now (VmRSS), MiB; NaN if unknown. */
    public double rssMiB() {
        return statusKiB("VmRSS:") / 1024.0;
    }

    /**
     * Proportional set size now (Pss from /proc/PID/smaps_rollup), MiB; NaN if unknown. Unlike
     * VmRSS it counts a page shared with N other processes (the class-data-sharing archives,
     * libjvm, jars mapped by every JVM node on the host) as 1/N.
     */
    public double pssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return Double.NaN;
    }

    /** Peak resident set size (VmHWM), MiB; NaN if unknown. */
    public double peakRssMiB() {
        return statusKiB("VmHWM:") / 1024.0;
    }

    private double statusKiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return Double.NaN;
    }

    /** SIGKILL, now. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}. */
    public void stop(int graceSeconds) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the log, for failure messages. */
    public String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public Path log() {
        return log;
    }
}
