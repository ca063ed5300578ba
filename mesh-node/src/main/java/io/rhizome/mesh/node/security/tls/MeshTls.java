package io.rhizome.mesh.node.security.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.rhizome.mesh.node.config.TlsSettings;
import io.rhizome.mesh.pki.SpiffeId;
import io.rhizome.mesh.protocol.v1.TlsStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's mutual TLS: the current material and the contexts built from it, swapped whole when the
 * files change (file mode) or when the node renews its own certificate (self-issuing mode, at two
 * thirds of its lifetime). New handshakes use the current contexts; open connections keep theirs.
 * Outlives the control plane, like the data plane.
 */
public final class MeshTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MeshTls.class);
    private static final MeshTls DISABLED =
            new MeshTls(TlsSettings.DISABLED, "", Clock.systemUTC());

    private final TlsSettings settings;
    private final String identityService;
    private final Clock clock;
    private final SslProvider provider;
    private final TlsStats stats = new TlsStats();
    private final HandshakeLog handshakeLog = new HandshakeLog();
    private volatile TlsContexts current;
    private volatile AdminContext admin;
    private volatile Instant mintedAt;
    private volatile List<Stamp> stamps = List.of();
    private volatile String lastError = "";
    private ScheduledExecutorService poller;

    private MeshTls(TlsSettings settings, String identityService, Clock clock) {
        this.settings = settings;
        this.identityService = identityService;
        this.clock = clock;
        this.provider =
                settings.enabled() ? TlsProviders.resolve(settings.provider()) : SslProvider.JDK;
    }

    /** TLS off: plaintext everywhere. */
    public static MeshTls disabled() {
        return DISABLED;
    }

    /**
     * Loads the material (throws {@link TlsMaterialException} when it cannot) and starts watching
     * it. With TLS off, {@link #disabled()}.
     */
    public static MeshTls start(TlsSettings settings, String identityService, Clock clock) {
        if (!settings.enabled()) {
            return DISABLED;
        }
        MeshTls tls = new MeshTls(settings, identityService, clock);
        tls.stamps = tls.stampFiles();
        tls.install(TlsMaterial.load(settings, identityService, clock));
        long every = settings.reloadInterval().toMillis();
        tls.poller =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "rhizome-tls-reload");
                            t.setDaemon(true);
                            return t;
                        });
        tls.poller.scheduleWithFixedDelay(tls::checkNow, every, every, TimeUnit.MILLISECONDS);
        log.info(
                "mTLS on as {} ({} mode, {} TLS), certificate valid until {}",
                tls.identity(),
                settings.selfIssuing() ? "self-issuing" : "file",
                tls.provider(),
                tls.current.material().notAfter());
        return tls;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    public TlsStats stats() {
        return stats;
    }

    /**
     * The implementation behind the data plane's TLS: "openssl" or "jdk" (cluster traffic: always
     * the JDK's).
     */
    public String provider() {
        return TlsProviders.name(provider);
    }

    /** This node's SPIFFE id. */
    public SpiffeId identity() {
        return current.material().identity();
    }

    /** The material in use now (for tests and status). */
    public TlsMaterial material() {
        return current.material();
    }

    /**
     * The SPIFFE id a peer serving {@code identityService} must present: in this node's trust
     * domain. "" when the registry names no identity (no peer can match it).
     */
    public String expectedPeer(String peerIdentityService) {
        if (peerIdentityService == null || peerIdentityService.isEmpty()) {
            return "";
        }
        return "spiffe://" + identity().trustDomain() + "/service/" + peerIdentityService;
    }

    /** A server-side handler for the inbound port, with the current material. */
    public SslHandler newServerHandler(ByteBufAllocator alloc) {
        return current.server().newHandler(alloc);
    }

    /** A client-side handler for a call to a peer's inbound port at {@code host:port}. */
    public SslHandler newClientHandler(ByteBufAllocator alloc, String host, int port) {
        return current.client().newHandler(alloc, host, port);
    }

    /** A client-side handler for an HTTP/2 connection to a peer's inbound port (ALPN h2). */
    public SslHandler newHttp2ClientHandler(ByteBufAllocator alloc, String host, int port) {
        return current.http2Client().newHandler(alloc, host, port);
    }

    /** An engine for cluster traffic (Artery), mutual authentication required. */
    public SSLEngine newClusterEngine(boolean client, String host, int port) {
        SSLEngine engine = current.cluster().createSSLEngine(host, port);
        engine.setUseClientMode(client);
        engine.setEnabledProtocols(TlsContexts.PROTOCOLS);
        if (!client) {
            engine.setNeedClientAuth(true);
        }
        return engine;
    }

    /**
     * An engine for one HTTPS connection to the admin API: the current certificate, a client
     * certificate asked for but not required (probes present none; the routes decide what a caller
     * without one may do), verified like a peer's when presented.
     */
    public SSLEngine newAdminEngine() {
        TlsContexts now = current;
        AdminContext admin = this.admin;
        if (admin == null || admin.from() != now) {
            admin =
                    new AdminContext(
                            now,
                            TlsContexts.admin(
                                    now.material(),
                                    (engine, e) -> {
                                        stats.adminFailed();
                                        // Pekko HTTP creates the engine without the client's
                                        // address.
                                        handshakeLog.failed(
                                                "of an admin API client",
                                                engine == null || engine.getPeerHost() == null
                                                        ? "(address unknown)"
                                                        : engine.getPeerHost()
                                                                + ":"
                                                                + engine.getPeerPort(),
                                                e);
                                    }));
            this.admin = admin;
        }
        SSLEngine engine = admin.context().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(TlsContexts.PROTOCOLS);
        engine.setWantClientAuth(true);
        return engine;
    }

    /**
     * The admin API's context, built from {@code from} on first use (most nodes never need one).
     */
    private record AdminContext(TlsContexts from, javax.net.ssl.SSLContext context) {}

    HandshakeLog handshakeLog() {
        return handshakeLog;
    }

    /** What {@code GET /v1/tls} answers. */
    public TlsStatus status() {
        if (!enabled()) {
            return TlsStatus.newBuilder().setEnabled(false).build();
        }
        TlsMaterial m = current.material();
        Instant now = clock.instant();
        return TlsStatus.newBuilder()
                .setEnabled(true)
                .setIdentity(m.identity().toString())
                .setTrustDomain(m.identity().trustDomain())
                .setMode(settings.selfIssuing() ? "issuer" : "file")
                .setNotBefore(m.notBefore().toString())
                .setNotAfter(m.notAfter().toString())
                .setLifetimeSeconds(m.lifetime().toSeconds())
                .setExpiresInSeconds(Duration.between(now, m.notAfter()).toSeconds())
                .setHandshakeFailures(stats.handshakeFailures())
                .setReloads(stats.reloads())
                .setLastError(lastError)
                .setProvider(provider())
                .build();
    }

    /**
     * Loads new material when the files changed (or a previous attempt failed), or mints a new
     * certificate when two thirds of the current one's lifetime have passed. Runs on the poller;
     * public for tests that do not want to wait for it.
     */
    public synchronized void checkNow() {
        try {
            List<Stamp> now = stampFiles();
            boolean changed = !now.equals(stamps) || !lastError.isEmpty();
            boolean renew =
                    settings.selfIssuing()
                            && !clock.instant()
                                    .isBefore(
                                            mintedAt.plus(
                                                    settings.workloadTtl()
                                                            .multipliedBy(2)
                                                            .dividedBy(3)));
            if (!changed && !renew) {
                return;
            }
            stamps = now;
            TlsMaterial m = TlsMaterial.load(settings, identityService, clock);
            if (!m.identity().equals(identity())) {
                log.warn(
                        "TLS identity changed from {} to {}: peers that look this node up in the registry still expect {}",
                        identity(),
                        m.identity(),
                        identity());
            }
            install(m);
            stats.reloaded();
            if (!lastError.isEmpty()) {
                log.info("TLS material loads again");
            }
            lastError = "";
            log.info(
                    "TLS material {} for {}, valid until {}",
                    renew && !changed ? "renewed" : "reloaded",
                    m.identity(),
                    m.notAfter());
        } catch (TlsMaterialException e) {
            stats.reloadFailed();
            if (!e.line().equals(lastError)) {
                log.warn("TLS material not reloaded, keeping the previous: {}", e.line());
            }
            lastError = e.line();
        } catch (RuntimeException e) {
            stats.reloadFailed();
            lastError = "reload failed: " + e;
            log.warn("TLS reload failed, keeping the previous material", e);
        }
    }

    private void install(TlsMaterial m) {
        current =
                TlsContexts.of(
                        m,
                        provider,
                        (engine, e) -> {
                            stats.clusterFailed();
                            handshakeLog.failed(
                                    "of cluster peer",
                                    engine == null
                                            ? "?"
                                            : engine.getPeerHost() + ":" + engine.getPeerPort(),
                                    e);
                        },
                        settings.clusterIdentities());
        mintedAt = clock.instant();
    }

    /** Modification time and size of every file the material comes from. */
    private List<Stamp> stampFiles() {
        List<Path> files = new ArrayList<>();
        files.add(settings.trustBundle());
        if (settings.selfIssuing()) {
            files.add(settings.issuer().resolve("cert.pem"));
            files.add(settings.issuer().resolve("key.pem"));
        } else {
            files.add(settings.cert());
            files.add(settings.key());
        }
        List<Stamp> out = new ArrayList<>();
        for (Path p : files) {
            try {
                out.add(
                        new Stamp(
                                p,
                                Files.getLastModifiedTime(p).toMillis(),
                                Files.size(p),
                                Files.readAttributes(
                                                p,
                                                java.nio.file.attribute.BasicFileAttributes.class)
                                        .fileKey()));
            } catch (IOException e) {
                out.add(new Stamp(p, -1, -1, null));
            }
        }
        return List.copyOf(out);
    }

    private record Stamp(Path file, long modified, long size, Object fileKey) {
        Stamp {
            Objects.requireNonNull(file, "file");
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
