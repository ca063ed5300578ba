package io.rhizome.mesh.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate with its private key.
 *
 * @param chain the certificate first, then the intermediates that signed it (never the root)
 */
public record Issued(List<X509Certificate> chain, PrivateKey key) {
    public Issued {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: at least the certificate)");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        // Never the key.
        return "Issued[" + certificate().getSubjectX500Principal().getName() + "]";
    }
}
