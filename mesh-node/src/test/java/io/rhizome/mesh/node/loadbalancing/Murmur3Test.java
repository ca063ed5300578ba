package io.rhizome.mesh.node.loadbalancing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Murmur3Test {

    // Reference values from Guava's Hashing.murmur3_128() (h1, h2 of the little-endian digest).
    @Test
    void matchesTheReferenceImplementationForEveryTailLength() {
        assertHash("", 0x0L, 0x0L);
        assertHash("hello", 0xcbd8a7b341bd9b02L, 0x5b1e906a48ae1d19L);
        assertHash("node-a/orders#17", 0xd2e59de675a7e130L, 0x3a8ebc70d2e2b7fdL);
        assertHash("0123456789abcdef", 0x4be06d94cf4ad1a7L, 0x87c35b5c63a708daL);
        assertHash("0123456789abcdefX", 0xcdebd2acb570d6f7L, 0x8f72119782104b27L);
        assertHash(
                "The quick brown fox jumps over the lazy dog",
                0xe34bbc7bbc071b6cL,
                0x7a433ca9c49a9347L);
    }

    private static void assertHash(String s, long h1, long h2) {
        assertThat(Murmur3.hash128(s)).as(s).containsExactly(h1, h2);
        assertThat(Murmur3.hash64(s)).isEqualTo(h1);
    }
}
