package io.rhizome.mesh.node.proxy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * An HTTP/2 client that writes frames exactly as told, valid or not, on a raw socket: for tests of
 * what the data plane does with hostile HTTP/2. Sends the preface and an empty SETTINGS on connect.
 */
final class RawHttp2 implements AutoCloseable {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    static final int PROTOCOL_ERROR = 0x1;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int ENHANCE_YOUR_CALM = 0xb;

    /** One frame as read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a RST_STREAM or GOAWAY frame. */
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24)
                    | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder decoder =
            new io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder();

    private RawHttp2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawHttp2 connect(int port) throws IOException {
        RawHttp2 c = new RawHttp2(new Socket(InetAddress.getLoopbackAddress(), port));
        c.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.frame(SETTINGS, 0, 0, new byte[0]);
        return c;
    }

    /** Request headers in order (pseudo-headers first as given), no validation. */
    static Http2Headers request(String method, String authority, String path, String... extra) {
        Http2Headers h = new DefaultHttp2Headers(false);
        if (method != null) {
            h.method(method);
        }
        h.scheme("http");
        if (authority != null) {
            h.authority(authority);
        }
        if (path != null) {
            h.path(path);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        return h;
    }

    /**
     * The HPACK block of {@code headers} (its encoder's dynamic table carries over, as on a real
     * connection).
     */
    byte[] block(int stream, Http2Headers headers) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    /**
     * The headers of a HEADERS frame this connection read (its own HPACK table, as a client keeps
     * one).
     */
    Http2Headers decode(Frame f) throws IOException {
        try {
            return decoder.decodeHeaders(f.stream(), Unpooled.wrappedBuffer(f.payload()));
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(stream, headers));
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    void rst(int stream, int code) throws IOException {
        frame(
                RST_STREAM,
                0,
                stream,
                new byte[] {
                    (byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code
                });
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] header = {
            (byte) (payload.length >>> 16),
            (byte) (payload.length >>> 8),
            (byte) payload.length,
            (byte) type,
            (byte) flags,
            (byte) (stream >>> 24),
            (byte) (stream >>> 16),
            (byte) (stream >>> 8),
            (byte) stream
        };
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /**
     * Reads frames until one matches, the connection closes (null) or {@code limit} passes (null).
     * SETTINGS from the server are acknowledged as they come.
     */
    Frame await(Predicate<Frame> match, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            Frame f;
            try {
                f = read();
            } catch (EOFException | SocketTimeoutException | java.net.SocketException e) {
                return null;
            }
            if (f.type() == SETTINGS && (f.flags() & 0x1) == 0) {
                try {
                    frame(SETTINGS, 0x1, 0, new byte[0]);
                } catch (IOException e) {
                    // closed by the server; frames it sent before may still be read
                }
            }
            if (match.test(f)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Whether the server closed the connection within {@code limit} (frames before the close are
     * skipped).
     */
    boolean closedWithin(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                read();
            }
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
        return false;
    }

    private Frame read() throws IOException {
        int length =
                (in.readUnsignedByte() << 16)
                        | (in.readUnsignedByte() << 8)
                        | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, stream, payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
