package io.rhizome.mesh.node.observability.accesslog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer the writer thread formats lines into, reused from batch to batch: text
 * goes in as UTF-8 with JSON escapes, so no {@code String} is built per line.
 */
public final class LineBuffer {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private int length;

    public LineBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    public void clear() {
        length = 0;
    }

    private void room(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
    }

    LineBuffer raw(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
        return this;
    }

    LineBuffer raw(byte b) {
        room(1);
        bytes[length++] = b;
        return this;
    }

    /** A decimal number, as {@code Long.toString} writes it. */
    LineBuffer number(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return raw(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
            }
            raw((byte) '-');
            v = -v;
        }
        int digits = 1;
        for (long p = 10; digits < 19 && v >= p; p *= 10) {
            digits++;
        }
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    /** {@code v} as exactly {@code width} digits, zero-padded ({@code v} fits). */
    LineBuffer digits(int v, int width) {
        room(width);
        for (int i = length + width - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += width;
        return this;
    }

    /**
     * The characters {@code from..to} of {@code s} inside a JSON string: UTF-8, with the escapes
     * JSON needs.
     */
    LineBuffer escaped(String s, int from, int to) {
        room(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '"' -> raw((byte) '\\').raw((byte) '"');
                    case '\\' -> raw((byte) '\\').raw((byte) '\\');
                    case '\n' -> raw((byte) '\\').raw((byte) 'n');
                    case '\r' -> raw((byte) '\\').raw((byte) 'r');
                    case '\t' -> raw((byte) '\\').raw((byte) 't');
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            unicodeEscape(c);
                        } else {
                            raw((byte) c);
                        }
                    }
                }
            } else if (c < 0xa0 || c == 0x2028 || c == 0x2029) {
                unicodeEscape(
                        c); // C1 controls and the separators some JSON readers take for line ends
            } else if (c < 0x800) {
                room(2);
                bytes[length++] = (byte) (0xc0 | c >> 6);
                bytes[length++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < to
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                room(4);
                bytes[length++] = (byte) (0xf0 | cp >> 18);
                bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3f);
                bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3f);
                bytes[length++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(c); // a lone surrogate has no UTF-8 form
            } else {
                room(3);
                bytes[length++] = (byte) (0xe0 | c >> 12);
                bytes[length++] = (byte) (0x80 | c >> 6 & 0x3f);
                bytes[length++] = (byte) (0x80 | c & 0x3f);
            }
        }
        return this;
    }

    private void unicodeEscape(char c) {
        room(6);
        bytes[length++] = '\\';
        bytes[length++] = 'u';
        bytes[length++] = HEX[c >> 12 & 0xf];
        bytes[length++] = HEX[c >> 8 & 0xf];
        bytes[length++] = HEX[c >> 4 & 0xf];
        bytes[length++] = HEX[c & 0xf];
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
