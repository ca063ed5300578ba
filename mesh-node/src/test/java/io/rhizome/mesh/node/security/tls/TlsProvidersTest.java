package io.rhizome.mesh.node.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.rhizome.mesh.node.config.ConfigError;
import io.rhizome.mesh.node.config.SettingsLoader;
import io.rhizome.mesh.node.config.TlsSettings;
import io.rhizome.mesh.node.security.PeerIdentity;
import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.testsupport.Eventually;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rhizome.tls.provider}: OpenSSL where it loads, and mutual TLS with SPIFFE verification
 * between every pair of providers on real loopback sockets (a mesh upgraded node by node mixes
 * them).
 */
class TlsProvidersTest {
    @TempDir static Path dir;
    private static EventLoopGroup group;
    private static final List<MeshTls> started = new ArrayList<>();

    @BeforeAll
    static void pki() {
        CertificateAuthority ca =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        CertificateAuthority foreign =
                CertificateAuthority.createRoot(
                        "example.org", Duration.ofDays(1), Clock.systemUTC());
        ca.writeRoot(dir.resolve("ca"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("orders", Duration.ofHours(1)), dir.resolve("orders"));
        CertificateAuthority.writeIssued(
                ca.issueWorkload("web", Duration.ofHours(1)), dir.resolve("web"));
        CertificateAuthority.writeIssued(
                foreign.issueWorkload("web", Duration.ofHours(1)), dir.resolve("intruder"));
        // The intruder trusts the mesh's CA too, so only the mesh's side can refuse it.
        io.rhizome.mesh.pki.Pem.write(
                dir.resolve("intruder/ca.pem"),
                io.rhizome.mesh.pki.Pem.certificates(
                        List.of(foreign.certificate(), ca.certificate())),
                false);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        started.forEach(MeshTls::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void autoUsesOpenSslOnLinuxX8664AndJdkWhenAskedTo() {
        boolean shipped =
                System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                        && System.getProperty("os.arch").equals("amd64");
        assumeTrue(shipped, "netty-tcnative-boringssl-static is bundled for linux-x86_64 only");
        assertThat(OpenSsl.isAvailable())
                .as("the bundled BoringSSL loads: %s", OpenSsl.unavailabilityCause())
                .isTrue();
        assertThat(tls("orders", TlsSettings.Provider.AUTO).status().getProvider())
                .as("GET /v1/tls")
                .isEqualTo("openssl");
        assertThat(tls("orders", TlsSettings.Provider.OPENSSL).provider()).isEqualTo("openssl");
        assertThat(tls("orders", TlsSettings.Provider.JDK).status().getProvider())
                .as("GET /v1/tls")
                .isEqualTo("jdk");
    }

    @Test
    void theProviderKeyIsReadAndAnUnknownOneIsRefusedNamingTheKey() {
        String files =
                "rhizome.node.name = n1\nrhizome.tls { enabled = on, trust-bundle = \"%s\", cert = \"%s\", key = \"%s\" }\n"
                        .formatted(
                                dir.resolve("ca/ca.pem"),
                                dir.resolve("orders/cert.pem"),
                                dir.resolve("orders/key.pem"));
        assertThat(SettingsLoader.fromConfig(ConfigFactory.parseString(files)).tls().provider())
                .isEqualTo(TlsSettings.Provider.AUTO);
        assertThat(
                        SettingsLoader.fromConfig(
                                        ConfigFactory.parseString(
                                                files + "rhizome.tls.provider = jdk"))
                                .tls()
                                .provider())
                .isEqualTo(TlsSettings.Provider.JDK);
        assertThatThrownBy(
                        () ->
                                SettingsLoader.fromConfig(
                                        ConfigFactory.parseString(
                                                files + "rhizome.tls.provider = boringssl")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("rhizome.tls.provider: \"boringssl\" (expected: auto | openssl | jdk)");
    }

    @Test
    void everyPairOfProvidersCompletesMutualTlsAndProvesBothIdentities() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL does not load here");
        for (TlsSettings.Provider server :
                List.of(TlsSettings.Provider.OPENSSL, TlsSettings.Provider.JDK)) {
            for (TlsSettings.Provider client :
                    List.of(TlsSettings.Provider.OPENSSL, TlsSettings.Provider.JDK)) {
                String pair = "server " + server + ", client " + client;
                MeshTls serverTls = tls("orders", server);
                MeshTls clientTls = tls("web", client);
                CompletableFuture<String> caller = new CompletableFuture<>();
                Channel listener = listen(serverTls, caller);
                try {
                    Channel ch =
                            call(clientTls, listener, "spiffe://example.org/service/orders")
                                    .sync()
                                    .channel();
                    assertThat(ch.attr(UpstreamTls.SERVER_IDENTITY).get())
                            .as(pair)
                            .isEqualTo("spiffe://example.org/service/orders");
                    assertThat(caller.get(5, TimeUnit.SECONDS))
                            .as(pair)
                            .isEqualTo("spiffe://example.org/service/web");
                    ch.close().sync();
                } finally {
                    listener.close().sync();
                }
            }
        }
    }

    @Test
    void eachProviderRefusesAForeignCaAndAnUnexpectedIdentity() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL does not load here");
        for (TlsSettings.Provider p :
                List.of(TlsSettings.Provider.OPENSSL, TlsSettings.Provider.JDK)) {
            MeshTls serverTls = tls("orders", p);
            CompletableFuture<String> caller = new CompletableFuture<>();
            Channel listener = listen(serverTls, caller);
            try {
                MeshTls intruder = tls("intruder", p);
                ChannelFuture refused =
                        call(intruder, listener, "spiffe://example.org/service/orders").await();
                Eventually.until(
                        p + ": the server counts the refusal",
                        Duration.ofSeconds(5),
                        () -> serverTls.stats().inboundHandshakeFailures() == 1);
                assertThat(caller).as(p + ": no caller identity recorded").isNotDone();
                // TLS 1.3: the client learns of the refusal with the server's alert, after its own
                // handshake.
                Eventually.until(
                        p + ": the intruder's connection is closed",
                        Duration.ofSeconds(5),
                        () -> !refused.channel().isActive());

                MeshTls web = tls("web", p);
                ChannelFuture wrongPeer =
                        call(web, listener, "spiffe://example.org/service/payments").await();
                assertThat(wrongPeer.isSuccess())
                        .as(p + ": a server proving another identity fails the connect")
                        .isFalse();
                assertThat(wrongPeer.cause())
                        .hasMessageContaining("peer presented spiffe://example.org/service/orders");
                assertThat(web.stats().upstreamHandshakeFailures()).isEqualTo(1);
            } finally {
                listener.close().sync();
            }
        }
    }

    @Test
    void aConnectionThatClosedBeforeItsHandshakeWasSeenFailsTheCallInsteadOfHanging() {
        // A refused handshake can close the channel (and empty its pipeline) before the connect
        // listener runs; the call must fail then, not wait forever.
        MeshTls web = tls("web", TlsSettings.Provider.JDK);
        io.netty.channel.embedded.EmbeddedChannel closed =
                new io.netty.channel.embedded.EmbeddedChannel();
        closed.close();

        ChannelFuture verified =
                UpstreamTls.verified(
                        closed.newSucceededFuture(), "spiffe://example.org/service/orders", web);

        assertThat(verified.isDone()).isTrue();
        assertThat(verified.cause()).hasMessageContaining("closed during the TLS handshake");
        assertThat(web.stats().upstreamHandshakeFailures()).isEqualTo(1);
    }

    private static MeshTls tls(String service, TlsSettings.Provider provider) {
        Path ca =
                service.equals("intruder")
                        ? dir.resolve("intruder/ca.pem")
                        : dir.resolve("ca/ca.pem");
        TlsSettings settings =
                new TlsSettings(
                        true,
                        ca,
                        dir.resolve(service + "/cert.pem"),
                        dir.resolve(service + "/key.pem"),
                        null,
                        Duration.ofHours(24),
                        Duration.ofHours(1),
                        provider);
        MeshTls tls = MeshTls.start(settings, "", Clock.systemUTC());
        started.add(tls);
        return tls;
    }

    /**
     * A TLS listener like the inbound port's; {@code caller} gets the client's verified identity.
     */
    private static Channel listen(MeshTls tls, CompletableFuture<String> caller)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(
                        new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                InboundTlsHandler.install(ch, tls);
                                ch.pipeline()
                                        .addLast(
                                                new ChannelInboundHandlerAdapter() {
                                                    @Override
                                                    public void userEventTriggered(
                                                            ChannelHandlerContext ctx, Object evt) {
                                                        if (evt
                                                                        instanceof
                                                                        SslHandshakeCompletionEvent
                                                                                done
                                                                && done.isSuccess()) {
                                                            caller.complete(
                                                                    PeerIdentity.of(ctx.channel())
                                                                            .orElse("none"));
                                                        }
                                                    }
                                                });
                            }
                        })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    /**
     * A connection like a call to a peer's inbound port: done once the server proved {@code
     * expected}.
     */
    private static ChannelFuture call(MeshTls tls, Channel listener, String expected) {
        InetSocketAddress at = (InetSocketAddress) listener.localAddress();
        ChannelFuture connect =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .handler(
                                new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        UpstreamTls.install(
                                                ch, tls, at.getHostString(), at.getPort());
                                    }
                                })
                        .connect(at);
        return UpstreamTls.verified(connect, expected, tls);
    }
}
