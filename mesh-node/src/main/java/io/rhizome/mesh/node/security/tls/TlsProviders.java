package io.rhizome.mesh.node.security.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.rhizome.mesh.node.config.TlsSettings;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rhizome.tls.provider} resolved to the implementation behind the data plane's TLS contexts:
 * OpenSSL (BoringSSL, statically linked in netty-tcnative) when it loads on this platform, the
 * JDK's {@code SSLEngine} otherwise. OpenSSL does the same handshakes with a fraction of the CPU
 * and garbage (docs/decisions.md §17); the JDK provider stays for platforms netty-tcnative does not
 * ship for.
 */
public final class TlsProviders {
    private static final Logger log = LoggerFactory.getLogger(TlsProviders.class);
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private TlsProviders() {}

    /**
     * The Netty provider for {@code wanted}. {@code auto} falls back to the JDK when OpenSSL does
     * not load (logged once per JVM); {@code openssl} then throws, naming the key.
     */
    public static SslProvider resolve(TlsSettings.Provider wanted) {
        switch (wanted) {
            case JDK:
                return SslProvider.JDK;
            case OPENSSL:
                if (!OpenSsl.isAvailable()) {
                    throw new TlsMaterialException(
                            "rhizome.tls.provider",
                            "openssl does not load on this platform ("
                                    + unavailability()
                                    + ") (expected: auto or jdk here)");
                }
                return SslProvider.OPENSSL;
            default:
                if (OpenSsl.isAvailable()) {
                    return SslProvider.OPENSSL;
                }
                if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                    log.warn(
                            "rhizome.tls.provider = auto: OpenSSL (netty-tcnative) does not load here ({}); "
                                    + "mTLS uses the JDK's TLS, at several times the CPU per handshake and per request",
                            unavailability());
                }
                return SslProvider.JDK;
        }
    }

    /** "openssl" or "jdk", as {@code rhizome.tls.provider} spells them. */
    public static String name(SslProvider provider) {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }

    private static String unavailability() {
        Throwable cause = OpenSsl.unavailabilityCause();
        if (cause == null) {
            return "no reason given";
        }
        String m = cause.getMessage();
        return cause.getClass().getSimpleName()
                + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
