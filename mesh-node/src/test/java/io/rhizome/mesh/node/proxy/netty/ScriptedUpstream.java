package io.rhizome.mesh.node.proxy.netty;

import io.rhizome.mesh.node.config.HostPort;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream that misbehaves on purpose, one thread per connection:
 *
 * <ul>
 *   <li>it answers the first request of a connection and promises keep-alive, then closes the
 *       connection as soon as the next request arrives, unanswered (a server closing an idle
 *       connection just as the proxy reuses it);
 *   <li>{@code /truncate} announces 1000 bytes and sends 10 before closing.
 * </ul>
 *
 * Every request line it reads is recorded, answered or not.
 */
final class ScriptedUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> received = new CopyOnWriteArrayList<>();

    private ScriptedUpstream(ServerSocket server) {
        this.server = server;
    }

    static ScriptedUpstream start() throws IOException {
        ScriptedUpstream upstream =
                new ScriptedUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread acceptor = new Thread(upstream::acceptLoop, "scripted-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        return upstream;
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /** Request lines received, e.g. {@code POST /b HTTP/1.1}. */
    List<String> received() {
        return List.copyOf(received);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "scripted-upstream-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String first = readRequest(in);
            if (first == null) {
                return;
            }
            if (first.contains(" /truncate ")) {
                out.write(
                        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"
                                .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return;
            }
            byte[] body = ("served " + first).getBytes(StandardCharsets.UTF_8);
            out.write(
                    ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            readRequest(in); // the second request on this connection goes unanswered
        } catch (IOException e) {
            // the proxy went away; nothing to do
        }
    }

    /**
     * Reads one request (head and Content-Length body) and records its request line; null at end of
     * stream.
     */
    private String readRequest(InputStream in) throws IOException {
        String requestLine = InstanceUpstream.line(in);
        if (requestLine == null) {
            return null;
        }
        received.add(requestLine);
        int length = 0;
        String header;
        while ((header = InstanceUpstream.line(in)) != null && !header.isEmpty()) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(header.indexOf(':') + 1).trim());
            }
        }
        in.readNBytes(length);
        return requestLine;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
