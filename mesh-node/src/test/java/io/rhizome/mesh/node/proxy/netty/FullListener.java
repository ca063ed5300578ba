package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener on this machine that completes no more handshakes: backlog 1, never accepting, its
 * queue filled by a few connections of our own, so a new connection attempt hangs until it times
 * out.
 */
final class FullListener implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private FullListener(ServerSocket server) {
        this.server = server;
    }

    static FullListener start() throws IOException {
        FullListener full =
                new FullListener(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        for (int i = 0; i < 8; i++) {
            Socket c = new Socket();
            try {
                c.connect(
                        new InetSocketAddress(
                                InetAddress.getLoopbackAddress(), full.server.getLocalPort()),
                        200);
                full.fillers.add(c);
            } catch (IOException e) {
                c.close(); // the queue is full
                break;
            }
        }
        return full;
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : fillers) {
            s.close();
        }
    }
}
