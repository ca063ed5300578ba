package io.rhizome.mesh.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code rhizome.tls}: mutual TLS between sidecars (DESIGN §6).
 *
 * @param trustBundle PEM CA certificates that peers' certificates must chain to
 * @param cert        PEM certificate (then its intermediates) this node presents; file mode
 * @param key         PEM private key of {@code cert}; file mode
 * @param issuer      a directory with an intermediate CA ({@code cert.pem}, {@code key.pem}) with which
 *                    the node mints its own workload certificate; null: file mode
 * @param workloadTtl lifetime of a self-minted certificate (renewed at two thirds of it)
 * @param reloadInterval how often the files are checked for changes
 */
public record TlsSettings(
        boolean enabled,
        Path trustBundle,
        Path cert,
        Path key,
        Path issuer,
        Duration workloadTtl,
        Duration reloadInterval) {

    public static final TlsSettings DISABLED = new TlsSettings(false, Path.of("ca.pem"), Path.of("cert.pem"),
            Path.of("key.pem"), null, Duration.ofHours(24), Duration.ofSeconds(5));

    public TlsSettings {
        Objects.requireNonNull(trustBundle, "trustBundle");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(workloadTtl, "workloadTtl");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
    }

    /** The node mints its own certificate from {@link #issuer()}. */
    public boolean selfIssuing() {
        return issuer != null;
    }
}
