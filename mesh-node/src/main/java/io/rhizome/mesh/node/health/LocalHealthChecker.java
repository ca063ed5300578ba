package io.rhizome.mesh.node.health;

import io.rhizome.mesh.node.config.HealthCheckSettings;
import io.rhizome.mesh.node.config.ServiceSettings;
import io.rhizome.mesh.protocol.v1.EndpointStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of this node's own services (TCP connect, or an HTTP GET expecting 2xx). The
 * result becomes the endpoint's status in the replicated registry, so every caller stops using an
 * unhealthy instance within one interval plus replication. Runs on one daemon thread, off the
 * request path.
 */
public final class LocalHealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalHealthChecker.class);

    private final List<ServiceSettings> services;
    private final Map<String, EndpointStatus> status = new ConcurrentHashMap<>();
    private final Map<String, int[]> streaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private volatile BiConsumer<String, EndpointStatus> listener = (s, st) -> {};

    public LocalHealthChecker(List<ServiceSettings> services) {
        this.services = List.copyOf(services);
        this.scheduler =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "rhizome-health");
                            t.setDaemon(true);
                            return t;
                        });
        for (ServiceSettings s : services) {
            status.put(s.name(), EndpointStatus.SERVING);
            streaks.put(s.name(), new int[2]);
        }
    }

    /**
     * Checks every service once, now, so a node never advertises an instance it has not seen up.
     */
    public Map<String, EndpointStatus> checkAllOnce() {
        for (ServiceSettings s : services) {
            if (s.healthCheck().protocol() != HealthCheckSettings.Protocol.NONE) {
                boolean ok = probe(s);
                status.put(s.name(), ok ? EndpointStatus.SERVING : EndpointStatus.NOT_SERVING);
                if (!ok) {
                    log.warn(
                            "service {} at {} is not serving yet (health check failed)",
                            s.name(),
                            s.address());
                }
            }
        }
        return new HashMap<>(status);
    }

    public Map<String, EndpointStatus> current() {
        return new HashMap<>(status);
    }

    /** Starts periodic checks; {@code listener} hears every change of a service's status. */
    public void start(BiConsumer<String, EndpointStatus> listener) {
        this.listener = listener;
        for (ServiceSettings s : services) {
            HealthCheckSettings h = s.healthCheck();
            if (h.protocol() == HealthCheckSettings.Protocol.NONE) {
                continue;
            }
            long every = h.interval().toMillis();
            scheduler.scheduleWithFixedDelay(() -> check(s), every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Re-sends every current status to the listener (after the control plane was recreated). */
    public void republish() {
        status.forEach((k, v) -> listener.accept(k, v));
    }

    private void check(ServiceSettings s) {
        boolean ok = probe(s);
        HealthCheckSettings h = s.healthCheck();
        int[] streak = streaks.get(s.name()); // [0] consecutive successes, [1] consecutive failures
        if (ok) {
            streak[0]++;
            streak[1] = 0;
        } else {
            streak[1]++;
            streak[0] = 0;
        }
        EndpointStatus before = status.get(s.name());
        EndpointStatus after = before;
        if (before != EndpointStatus.SERVING && streak[0] >= h.healthyThreshold()) {
            after = EndpointStatus.SERVING;
        } else if (before == EndpointStatus.SERVING && streak[1] >= h.unhealthyThreshold()) {
            after = EndpointStatus.NOT_SERVING;
        }
        if (after != before) {
            status.put(s.name(), after);
            log.info("service {} at {} is now {}", s.name(), s.address(), after);
            listener.accept(s.name(), after);
        }
    }

    boolean probe(ServiceSettings s) {
        HealthCheckSettings h = s.healthCheck();
        int timeout = (int) h.timeout().toMillis();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(s.address().host(), s.address().port()), timeout);
            if (h.protocol() == HealthCheckSettings.Protocol.TCP) {
                return true;
            }
            socket.setSoTimeout(timeout);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("GET "
                                    + h.path()
                                    + " HTTP/1.1\r\nHost: "
                                    + s.name()
                                    + "\r\nUser-Agent: rhizome-health\r\n"
                                    + "Connection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] line = new byte[12];
            int n = 0;
            while (n < line.length) {
                int r = in.read(line, n, line.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            String statusLine = new String(line, 0, n, StandardCharsets.US_ASCII);
            return statusLine.startsWith("HTTP/1.")
                    && statusLine.length() >= 12
                    && statusLine.charAt(9) == '2';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
