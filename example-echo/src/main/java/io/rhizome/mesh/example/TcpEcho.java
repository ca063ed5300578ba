package io.rhizome.mesh.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A plain TCP service beside the HTTP one ({@code --tcp-port}): it speaks first, one line {@code
 * NAME ready}, as SMTP and MySQL servers do, then echoes every byte it receives. The demo fronts it
 * as a {@code protocol = tcp} service. A thread per connection (demo traffic only).
 */
final class TcpEcho implements AutoCloseable {
    private final ServerSocket server;

    private TcpEcho(ServerSocket server) {
        this.server = server;
    }

    static TcpEcho start(String name, String host, int port) throws IOException {
        ServerSocket server = new ServerSocket(port, 128, InetAddress.getByName(host));
        TcpEcho echo = new TcpEcho(server);
        Thread acceptor = new Thread(() -> echo.accept(name), "tcp-echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return echo;
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept(String name) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread t = new Thread(() -> serve(s, name), "tcp-echo");
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s, String name) {
        try (s;
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream()) {
            out.write((name + " ready\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the client left
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
