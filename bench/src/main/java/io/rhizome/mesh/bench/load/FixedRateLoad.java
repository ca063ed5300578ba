package io.rhizome.mesh.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP/1.1 load generator: requests are due at a fixed rate whatever the server does,
 * and each latency runs from the moment the request was due, not from when a connection was free to
 * send it (the coordinated-omission correction of wrk2). A server that stalls therefore shows its
 * stall in every request that should have been sent meanwhile.
 *
 * <p>One thread and one selector drive {@code connections} keep-alive connections; a due request
 * goes out on the connection that has been idle longest, or waits (its clock running) until one is
 * free. Responses are delimited by Content-Length or chunked encoding; anything but 200 counts as
 * an error.
 */
public final class FixedRateLoad {

    /** What to send where. */
    public record Target(InetSocketAddress address, String host, String path) {
        byte[] request() {
            return ("GET "
                            + path
                            + " HTTP/1.1\r\nHost: "
                            + host
                            + "\r\nUser-Agent: rhizome-bench\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * The outcome of a run. {@code latencyMicros}: one value per request due in the measured window
     * (after the warm-up), from when it was due to its response's last byte.
     */
    public record Result(
            int rate,
            Histogram latencyMicros,
            long completed,
            long errors,
            long late,
            double achievedRate,
            String firstError,
            Histogram sendLateMicros) {

        /** The generator's own error: how late requests went out, at percentile {@code p}, ms. */
        public double sendLateMillis(double p) {
            return sendLateMicros.getValueAtPercentile(p) / 1000.0;
        }

        public double percentileMillis(double p) {
            return latencyMicros.getValueAtPercentile(p) / 1000.0;
        }

        public double maxMillis() {
            return latencyMicros.getMaxValue() / 1000.0;
        }
    }

    private static final long PARK_NANOS = 40_000;

    /**
     * Waiting for the next due time by parking costs 0.1-2 ms of wake-up latency on this kind of VM
     * (an idle vCPU halts); yielding in a loop keeps the CPU awake and still lets the upstream on
     * the same CPU run the moment it has work. {@code -Dbench.park=true} parks instead.
     */
    private static final boolean PARK = Boolean.getBoolean("bench.park");

    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Target target;
    private final int connections;
    private final byte[] request;
    private final List<Conn> conns = new ArrayList<>();
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private final ArrayDeque<long[]> backlog = new ArrayDeque<>();
    private Selector selector;
    private long measureFrom;
    private Histogram histogram;

    /**
     * How late requests went out (µs after they were due): the generator's own scheduling error.
     */
    private final Histogram sendLate = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

    private long completed;
    private long errors;
    private String firstError;

    public FixedRateLoad(Target target, int connections) {
        this.target = target;
        this.connections = connections;
        this.request = target.request();
    }

    /**
     * Sends {@code rate} requests per second for {@code warmup + duration}; records those due after
     * the warm-up.
     */
    public Result run(int rate, Duration warmup, Duration duration) throws IOException {
        histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        sendLate.reset();
        completed = 0;
        errors = 0;
        firstError = null;
        selector = Selector.open();
        try {
            for (int i = 0; i < connections; i++) {
                Conn c = new Conn();
                c.open();
                conns.add(c);
                idle.add(c);
            }
            double interval = 1e9 / rate;
            long start = System.nanoTime();
            measureFrom = start + warmup.toNanos();
            long end = measureFrom + duration.toNanos();
            long n = 0;
            long next = start;
            while (next < end) {
                long now = System.nanoTime();
                while (next <= now && next < end) {
                    backlog.add(new long[] {next});
                    n++;
                    next = start + (long) (n * interval);
                }
                dispatch();
                if (selector.selectNow() > 0) {
                    handleReady();
                    dispatch();
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    if (PARK) {
                        LockSupport.parkNanos(Math.min(wait, PARK_NANOS));
                    } else {
                        Thread.yield();
                    }
                }
            }
            // Every request due was queued: wait for the answers (or count them late).
            long drainEnd = System.nanoTime() + DRAIN_NANOS;
            while ((!backlog.isEmpty() || busy() > 0) && System.nanoTime() < drainEnd) {
                dispatch();
                if (selector.select(1) > 0) {
                    handleReady();
                }
            }
            long late = backlog.size() + busy();
            long lateMeasured = 0;
            for (long[] due : backlog) {
                if (due[0] >= measureFrom) {
                    lateMeasured++;
                }
            }
            for (Conn c : conns) {
                if (c.due >= measureFrom && c.due != 0) {
                    lateMeasured++;
                }
            }
            if (late > 0) {
                error(
                        "requests still unanswered "
                                + DRAIN_NANOS / 1_000_000_000
                                + " s after the last one was due");
            }
            errors += lateMeasured;
            double achieved = completed / (duration.toNanos() / 1e9);
            return new Result(
                    rate,
                    histogram,
                    completed,
                    errors,
                    late,
                    achieved,
                    firstError,
                    sendLate.copy());
        } finally {
            for (Conn c : conns) {
                c.close();
            }
            conns.clear();
            idle.clear();
            backlog.clear();
            selector.close();
        }
    }

    /** Ad-hoc runs: {@code FixedRateLoad HOST:PORT HOST-HEADER RATE SECONDS [CONNECTIONS]}. */
    public static void main(String[] args) throws IOException {
        String[] hp = args[0].split(":");
        Target t = new Target(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), args[1], "/");
        int rate = Integer.parseInt(args[2]);
        Duration d = Duration.ofSeconds(Long.parseLong(args[3]));
        FixedRateLoad load = new FixedRateLoad(t, args.length > 4 ? Integer.parseInt(args[4]) : 32);
        load.run(rate, Duration.ofSeconds(1), Duration.ofSeconds(2));
        Result r = load.run(rate, Duration.ofSeconds(1), d);
        System.out.printf(
                java.util.Locale.ROOT,
                "%d rps: p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f ms, errors %d%n",
                rate,
                r.percentileMillis(50),
                r.percentileMillis(90),
                r.percentileMillis(99),
                r.percentileMillis(99.9),
                r.maxMillis(),
                r.errors());
        System.out.printf(
                java.util.Locale.ROOT,
                "  sent late: p50 %.3f p99 %.3f p99.9 %.3f ms%n",
                r.sendLateMillis(50),
                r.sendLateMillis(99),
                r.sendLateMillis(99.9));
    }

    private int busy() {
        int b = 0;
        for (Conn c : conns) {
            if (c.due != 0) {
                b++;
            }
        }
        return b;
    }

    private void dispatch() throws IOException {
        while (!backlog.isEmpty() && !idle.isEmpty()) {
            Conn c = idle.poll();
            long[] due = backlog.poll();
            c.send(due[0]);
        }
    }

    private void handleReady() throws IOException {
        var keys = selector.selectedKeys();
        for (SelectionKey key : keys) {
            Conn c = (Conn) key.attachment();
            if (!key.isValid()) {
                continue;
            }
            if (key.isConnectable()) {
                c.finishConnect();
            } else {
                if (key.isWritable()) {
                    c.flush();
                }
                if (key.isValid() && key.isReadable()) {
                    c.read();
                }
            }
        }
        keys.clear();
    }

    private void error(String message) {
        if (firstError == null) {
            firstError = message;
        }
    }

    /** One keep-alive connection with at most one request in flight. */
    private final class Conn {
        private SocketChannel ch;
        private SelectionKey key;
        private boolean connected;
        private final ByteBuffer out = ByteBuffer.allocate(request.length);
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private final ResponseParser parser = new ResponseParser();

        /** When the request in flight was due (nanoTime), 0 when idle. */
        long due;

        void open() throws IOException {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connected = ch.connect(target.address());
            key =
                    ch.register(
                            selector,
                            connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT,
                            this);
            parser.reset();
        }

        void finishConnect() throws IOException {
            try {
                ch.finishConnect();
                connected = true;
                key.interestOps(
                        SelectionKey.OP_READ
                                | (out.hasRemaining() && due != 0 ? SelectionKey.OP_WRITE : 0));
                if (due != 0) {
                    flush();
                }
            } catch (IOException e) {
                fail("connect: " + e.getMessage());
            }
        }

        void send(long dueAt) throws IOException {
            due = dueAt;
            if (dueAt >= measureFrom) {
                sendLate.recordValue(Math.max(0, (System.nanoTime() - dueAt) / 1000));
            }
            parser.reset();
            out.clear();
            out.put(request).flip();
            if (connected) {
                flush();
            }
        }

        void flush() throws IOException {
            try {
                ch.write(out);
            } catch (IOException e) {
                fail("write: " + e.getMessage());
                return;
            }
            if (key.isValid()) {
                key.interestOps(
                        SelectionKey.OP_READ | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
            }
        }

        void read() throws IOException {
            int n;
            try {
                n = ch.read(in);
            } catch (IOException e) {
                fail("read: " + e.getMessage());
                return;
            }
            if (n < 0) {
                fail("connection closed by the server");
                return;
            }
            in.flip();
            ResponseParser.State state = parser.feed(in);
            in.compact();
            if (state == ResponseParser.State.MALFORMED) {
                fail("malformed response: " + parser.problem());
            } else if (state == ResponseParser.State.DONE) {
                complete(parser.status() == 200, "status " + parser.status());
                if (parser.close()) {
                    reopen();
                } else {
                    idle.add(this);
                }
            }
        }

        private void complete(boolean ok, String why) {
            long now = System.nanoTime();
            if (due != 0) {
                if (due >= measureFrom) {
                    histogram.recordValue(
                            Math.min(
                                    histogram.getHighestTrackableValue(),
                                    Math.max(1, (now - due) / 1000)));
                    if (ok) {
                        completed++;
                    } else {
                        errors++;
                        error(why);
                    }
                }
                due = 0;
            }
        }

        /** The exchange failed: count it, open a fresh connection. */
        private void fail(String why) throws IOException {
            boolean hadRequest = due != 0;
            complete(false, why);
            if (!hadRequest) {
                error(why);
            }
            reopen();
        }

        private void reopen() throws IOException {
            idle.remove(this);
            close();
            in.clear();
            due = 0;
            open();
            idle.add(this);
        }

        void close() {
            try {
                if (key != null) {
                    key.cancel();
                }
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
