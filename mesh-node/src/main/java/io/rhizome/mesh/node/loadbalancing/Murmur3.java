package io.rhizome.mesh.node.loadbalancing;

import java.nio.charset.StandardCharsets;

/**
 * MurmurHash3 x64 128 (seed 0) as Austin Appleby published it and Guava's {@code murmur3_128}
 * computes it: the hash ring, Maglev's permutations and request keys all hash with it, so an
 * endpoint's place never depends on {@link String#hashCode}.
 */
final class Murmur3 {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    private Murmur3() {}

    /** The first 64 bits of the hash of {@code s} in UTF-8. */
    static long hash64(String s) {
        return hash128(s.getBytes(StandardCharsets.UTF_8))[0];
    }

    /** Both halves {h1, h2} of the hash of {@code s} in UTF-8. */
    static long[] hash128(String s) {
        return hash128(s.getBytes(StandardCharsets.UTF_8));
    }

    static long[] hash128(byte[] data) {
        long h1 = 0;
        long h2 = 0;
        int blocks = data.length / 16;
        for (int i = 0; i < blocks; i++) {
            long k1 = littleEndian(data, i * 16, 8);
            long k2 = littleEndian(data, i * 16 + 8, 8);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27) + h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31) + h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = blocks * 16;
        int rest = data.length - tail;
        if (rest > 8) {
            h2 ^= mixK2(littleEndian(data, tail + 8, rest - 8));
        }
        if (rest > 0) {
            h1 ^= mixK1(littleEndian(data, tail, Math.min(rest, 8)));
        }
        h1 ^= data.length;
        h2 ^= data.length;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        h2 += h1;
        return new long[] {h1, h2};
    }

    /** Reads {@code length} (1..8) bytes from {@code offset} as a little-endian long. */
    private static long littleEndian(byte[] data, int offset, int length) {
        long v = 0;
        for (int i = length - 1; i >= 0; i--) {
            v = (v << 8) | (data[offset + i] & 0xffL);
        }
        return v;
    }

    private static long mixK1(long k1) {
        return Long.rotateLeft(k1 * C1, 31) * C2;
    }

    private static long mixK2(long k2) {
        return Long.rotateLeft(k2 * C2, 33) * C1;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
