package io.rhizome.mesh.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code rhizome.tls}: mutual TLS between sidecars (architecture.md §6).
 *
 * @param trustBundle PEM CA certificates that peers' certificates must chain to
 * @param cert PEM certificate (then its intermediates) this node presents; file mode
 * @param key PEM private key of {@code cert}; file mode
 * @param issuer a directory with an intermediate CA ({@code cert.pem}, {@code key.pem}) with which
 *     the node mints its own workload certificate; null: file mode
 * @param workloadTtl lifetime of a self-minted certificate (renewed at two thirds of it)
 * @param reloadInterval how often the files are checked for changes
 * @param provider the TLS implementation of the data plane's ports (cluster traffic always uses the
 *     JDK's)
 * @param clusterIdentities SPIFFE ids (exact, or {@code *} within the last segment) allowed as
 *     cluster members; empty: any workload of the trust domain
 */
public record TlsSettings(
        boolean enabled,
        Path trustBundle,
        Path cert,
        Path key,
        Path issuer,
        Duration workloadTtl,
        Duration reloadInterval,
        Provider provider,
        java.util.List<String> clusterIdentities) {

    public static final TlsSettings DISABLED =
            new TlsSettings(
                    false,
                    Path.of("ca.pem"),
                    Path.of("cert.pem"),
                    Path.of("key.pem"),
                    null,
                    Duration.ofHours(24),
                    Duration.ofSeconds(5));

    /**
     * {@code rhizome.tls.provider}: {@code auto} uses OpenSSL (BoringSSL through netty-tcnative)
     * when it loads on this platform and the JDK's TLS otherwise; {@code openssl} requires it;
     * {@code jdk} never uses it.
     */
    public enum Provider {
        AUTO,
        OPENSSL,
        JDK
    }

    /** Any workload of the trust domain may be a cluster member. */
    public TlsSettings(
            boolean enabled,
            Path trustBundle,
            Path cert,
            Path key,
            Path issuer,
            Duration workloadTtl,
            Duration reloadInterval,
            Provider provider) {
        this(
                enabled,
                trustBundle,
                cert,
                key,
                issuer,
                workloadTtl,
                reloadInterval,
                provider,
                java.util.List.of());
    }

    /** With the default provider ({@link Provider#AUTO}). */
    public TlsSettings(
            boolean enabled,
            Path trustBundle,
            Path cert,
            Path key,
            Path issuer,
            Duration workloadTtl,
            Duration reloadInterval) {
        this(enabled, trustBundle, cert, key, issuer, workloadTtl, reloadInterval, Provider.AUTO);
    }

    public TlsSettings {
        Objects.requireNonNull(trustBundle, "trustBundle");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(workloadTtl, "workloadTtl");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        Objects.requireNonNull(provider, "provider");
        clusterIdentities = java.util.List.copyOf(clusterIdentities);
    }

    /** The node mints its own certificate from {@link #issuer()}. */
    public boolean selfIssuing() {
        return issuer != null;
    }
}
