package io.rhizome.mesh.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback ports free now, for listeners whose settings need concrete ports. Picked below Linux's
 * ephemeral range (32768–60999): a port the kernel hands out for port 0 can be given again to any
 * outbound connection (a node's connect to an instance, Artery's) before the process meant to
 * listen on it binds, seconds later. Never the same port twice in one JVM.
 */
public final class FreePorts {
    private static final int FIRST_PORT = 20_000;
    private static final int PORT_SPAN = 12_000;
    private static final AtomicInteger NEXT =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(PORT_SPAN));

    private FreePorts() {}

    /** One free port. */
    public static int next() throws IOException {
        for (int tries = 0; tries < 2_000; tries++) {
            int port = FIRST_PORT + Math.floorMod(NEXT.getAndIncrement(), PORT_SPAN);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // in use: try the next one
            }
        }
        throw new IOException("no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_SPAN - 1));
    }

    /** {@code n} distinct free ports. */
    public static int[] next(int n) throws IOException {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = next();
        }
        return ports;
    }
}
