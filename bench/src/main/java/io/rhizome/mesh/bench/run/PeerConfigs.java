package io.rhizome.mesh.bench.run;

import java.nio.file.Path;

/**
 * Configuration files of the processes beside Rhizome: the nginx upstream, and nginx and HAProxy as
 * proxies set up the way a sidecar is (one worker or thread, keep-alive to the upstream,
 * X-Forwarded-For added, no access log, as Rhizome has none by default).
 */
final class PeerConfigs {
    /** Bytes of the large response body ({@code /4k}). */
    static final int LARGE_BODY = 4096;

    private PeerConfigs() {}

    private static String nginxCommon(Path dir, String name) {
        return """
                worker_processes 1;
                master_process off;
                daemon off;
                pid %1$s/%2$s.pid;
                error_log %1$s/%2$s-error.log warn;
                worker_rlimit_nofile 16384;
                events { worker_connections 8192; }
                """
                .formatted(dir, name);
    }

    private static String nginxHttpCommon(Path dir, String name) {
        return """
                  access_log off;
                  client_body_temp_path %1$s/%2$s-tmp/body;
                  proxy_temp_path %1$s/%2$s-tmp/proxy;
                  fastcgi_temp_path %1$s/%2$s-tmp/fastcgi;
                  uwsgi_temp_path %1$s/%2$s-tmp/uwsgi;
                  scgi_temp_path %1$s/%2$s-tmp/scgi;
                  keepalive_requests 1000000;
                  keepalive_timeout 60s;
                """
                .formatted(dir, name);
    }

    /**
     * The upstream: {@code /} answers a tiny body, {@code /4k} the 4096-byte file {@code www/4k};
     * both with Content-Length.
     */
    static String upstream(Path dir, int port) {
        return nginxCommon(dir, "upstream")
                + "http {\n"
                + nginxHttpCommon(dir, "upstream")
                + """
                  default_type text/plain;
                  server {
                    listen 127.0.0.1:%d backlog=4096;
                    location = /4k { root %s/www; }
                    location / { return 200 "ok\\n"; }
                  }
                }
                """
                        .formatted(port, dir);
    }

    /** nginx as a one-worker reverse proxy to {@code upstreamPort}, keep-alive both ways. */
    static String nginxProxy(Path dir, String name, int port, int upstreamPort) {
        return nginxProxy(dir, name, port, upstreamPort, null, -1, false);
    }

    /**
     * nginx as above; with {@code pki}: a second listener on {@code tlsPort} (when not -1) speaking
     * TLS and requiring a client certificate of the CA, and, with {@code upstreamTls}, TLS to the
     * upstream with this proxy's client certificate, the upstream's certificate verified (name
     * {@code bench}, its CN) and sessions reused over keep-alive connections.
     */
    static String nginxProxy(
            Path dir,
            String name,
            int port,
            int upstreamPort,
            Pki pki,
            int tlsPort,
            boolean upstreamTls) {
        String location =
                """
                      location / {
                        proxy_pass %s://up;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                %s      }
                """
                        .formatted(
                                upstreamTls ? "https" : "http",
                                upstreamTls
                                        ? """
                        proxy_ssl_protocols TLSv1.2 TLSv1.3;
                        proxy_ssl_certificate %s;
                        proxy_ssl_certificate_key %s;
                        proxy_ssl_trusted_certificate %s;
                        proxy_ssl_verify on;
                        proxy_ssl_name %s;
                        proxy_ssl_session_reuse on;
                """
                                                .formatted(
                                                        pki.cert(MeshNodes.CLIENT_IDENTITY),
                                                        pki.key(MeshNodes.CLIENT_IDENTITY),
                                                        pki.ca(),
                                                        MeshNodes.SERVICE)
                                        : "");
        String tlsServer =
                tlsPort < 0
                        ? ""
                        : """
                  server {
                    listen 127.0.0.1:%d ssl backlog=4096;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                    ssl_verify_client on;
                    ssl_client_certificate %s;
                %s  }
                """
                                .formatted(
                                        tlsPort,
                                        pki.cert(MeshNodes.SERVICE),
                                        pki.key(MeshNodes.SERVICE),
                                        pki.ca(),
                                        location);
        return nginxCommon(dir, name)
                + "http {\n"
                + nginxHttpCommon(dir, name)
                + """
                  upstream up {
                    server 127.0.0.1:%d;
                    keepalive 64;
                    keepalive_requests 1000000;
                  }
                  server {
                    listen 127.0.0.1:%d backlog=4096;
                %s  }
                %s}
                """
                        .formatted(upstreamPort, port, location, tlsServer);
    }

    /**
     * HAProxy with one thread as a reverse proxy to {@code upstreamPort}, connections to it reused.
     */
    static String haproxy(int port, int upstreamPort) {
        return haproxy(port, upstreamPort, null, -1, false);
    }

    /**
     * HAProxy as above; with {@code pki}: a second bind on {@code tlsPort} (when not -1) speaking
     * TLS and requiring a client certificate of the CA, and, with {@code upstreamTls}, TLS to the
     * upstream with this proxy's client certificate and the upstream's certificate verified.
     */
    static String haproxy(int port, int upstreamPort, Pki pki, int tlsPort, boolean upstreamTls) {
        String tlsBind =
                tlsPort < 0
                        ? ""
                        : "  bind 127.0.0.1:%d ssl crt %s ca-file %s verify required\n"
                                .formatted(tlsPort, pki.combined(MeshNodes.SERVICE), pki.ca());
        String serverTls =
                !upstreamTls
                        ? ""
                        : " ssl crt %s ca-file %s verify required"
                                .formatted(pki.combined(MeshNodes.CLIENT_IDENTITY), pki.ca());
        return """
                global
                  nbthread 1
                  maxconn 4096
                  ssl-default-bind-options ssl-min-ver TLSv1.2
                  ssl-default-server-options ssl-min-ver TLSv1.2

                defaults
                  mode http
                  timeout connect 5s
                  timeout client 60s
                  timeout server 60s
                  timeout http-keep-alive 60s
                  option http-keep-alive
                  option forwardfor
                  http-reuse always

                frontend in
                  bind 127.0.0.1:%d
                %s  default_backend up

                backend up
                  server up1 127.0.0.1:%d%s
                """
                .formatted(port, tlsBind, upstreamPort, serverTls);
    }
}
