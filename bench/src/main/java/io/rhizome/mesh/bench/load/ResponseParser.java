package io.rhizome.mesh.bench.load;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Just enough of an HTTP/1.1 response parser to find where a response ends: the status line, the
 * headers that delimit the body (Content-Length, Transfer-Encoding: chunked, Connection: close),
 * then the body is skipped. Fed incrementally; what it consumes is gone from the buffer.
 */
final class ResponseParser {
    enum State {
        MORE,
        DONE,
        MALFORMED
    }

    private enum Phase {
        HEAD,
        BODY,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_CRLF,
        TRAILERS,
        UNTIL_CLOSE
    }

    private static final int MAX_LINE = 16 * 1024;

    private final StringBuilder line = new StringBuilder();
    private Phase phase;
    private int status;
    private long remaining;
    private boolean chunked;
    private boolean close;
    private boolean firstLine;
    private String problem;

    void reset() {
        phase = Phase.HEAD;
        line.setLength(0);
        status = 0;
        remaining = -1;
        chunked = false;
        close = false;
        firstLine = true;
        problem = null;
    }

    int status() {
        return status;
    }

    /** The server will close the connection after this response. */
    boolean close() {
        return close;
    }

    String problem() {
        return problem;
    }

    State feed(ByteBuffer in) {
        while (in.hasRemaining()) {
            switch (phase) {
                case HEAD, CHUNK_SIZE, CHUNK_CRLF, TRAILERS -> {
                    String l = readLine(in);
                    if (l == null) {
                        if (line.length() > MAX_LINE) {
                            return malformed("line longer than " + MAX_LINE);
                        }
                        return State.MORE;
                    }
                    State s = onLine(l);
                    if (s != State.MORE) {
                        return s;
                    }
                }
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (phase == Phase.BODY) {
                            return State.DONE;
                        }
                        phase = Phase.CHUNK_CRLF;
                    }
                }
                case UNTIL_CLOSE -> in.position(in.limit());
                default -> throw new IllegalStateException();
            }
        }
        return State.MORE;
    }

    private State onLine(String l) {
        switch (phase) {
            case HEAD -> {
                if (firstLine) {
                    firstLine = false;
                    if (!l.startsWith("HTTP/1.") || l.length() < 12) {
                        return malformed("status line \"" + l + "\"");
                    }
                    try {
                        status = Integer.parseInt(l.substring(9, 12));
                    } catch (NumberFormatException e) {
                        return malformed("status line \"" + l + "\"");
                    }
                    close = l.startsWith("HTTP/1.0");
                    return State.MORE;
                }
                if (l.isEmpty()) {
                    if (status >= 100
                            && status < 200) { // an interim response: the real one follows
                        reset();
                        return State.MORE;
                    }
                    if (chunked) {
                        phase = Phase.CHUNK_SIZE;
                        return State.MORE;
                    }
                    if (remaining < 0) {
                        if (status == 204 || status == 304) {
                            return State.DONE;
                        }
                        close = true;
                        phase = Phase.UNTIL_CLOSE;
                        return State.MORE;
                    }
                    if (remaining == 0) {
                        return State.DONE;
                    }
                    phase = Phase.BODY;
                    return State.MORE;
                }
                int colon = l.indexOf(':');
                if (colon <= 0) {
                    return malformed("header line \"" + l + "\"");
                }
                String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> {
                        try {
                            remaining = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            return malformed("Content-Length \"" + value + "\"");
                        }
                    }
                    case "transfer-encoding" ->
                            chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> {
                        String v = value.toLowerCase(Locale.ROOT);
                        if (v.contains("close")) {
                            close = true;
                        } else if (v.contains("keep-alive")) {
                            close = false;
                        }
                    }
                    default -> {
                        // not needed to find the end
                    }
                }
                return State.MORE;
            }
            case CHUNK_SIZE -> {
                int semi = l.indexOf(';');
                String hex = (semi >= 0 ? l.substring(0, semi) : l).trim();
                try {
                    remaining = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    return malformed("chunk size \"" + l + "\"");
                }
                phase = remaining == 0 ? Phase.TRAILERS : Phase.CHUNK_DATA;
                return State.MORE;
            }
            case CHUNK_CRLF -> {
                if (!l.isEmpty()) {
                    return malformed("chunk not followed by CRLF");
                }
                phase = Phase.CHUNK_SIZE;
                return State.MORE;
            }
            case TRAILERS -> {
                return l.isEmpty() ? State.DONE : State.MORE;
            }
            default -> throw new IllegalStateException();
        }
    }

    /** A whole line (without CRLF), or null when the buffer ends first (the part read is kept). */
    private String readLine(ByteBuffer in) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                String l = line.toString();
                line.setLength(0);
                return l;
            }
            line.append((char) (b & 0xff));
        }
        return null;
    }

    private State malformed(String why) {
        problem = why;
        return State.MALFORMED;
    }
}
