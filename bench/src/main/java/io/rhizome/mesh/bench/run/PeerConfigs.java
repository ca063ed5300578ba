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
                """.formatted(dir, name);
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
                """.formatted(dir, name);
    }

    /** The upstream: {@code /} answers a tiny body, {@code /4k} the 4096-byte file {@code www/4k}; both with Content-Length. */
    static String upstream(Path dir, int port) {
        return nginxCommon(dir, "upstream") + "http {\n" + nginxHttpCommon(dir, "upstream") + """
                  default_type text/plain;
                  server {
                    listen 127.0.0.1:%d backlog=4096;
                    location = /4k { root %s/www; }
                    location / { return 200 "ok\\n"; }
                  }
                }
                """.formatted(port, dir);
    }

    /** nginx as a one-worker reverse proxy to {@code upstreamPort}, keep-alive both ways. */
    static String nginxProxy(Path dir, String name, int port, int upstreamPort) {
        return nginxCommon(dir, name) + "http {\n" + nginxHttpCommon(dir, name) + """
                  upstream up {
                    server 127.0.0.1:%d;
                    keepalive 64;
                    keepalive_requests 1000000;
                  }
                  server {
                    listen 127.0.0.1:%d backlog=4096;
                    location / {
                      proxy_pass http://up;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_set_header Host $host;
                      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    }
                  }
                }
                """.formatted(upstreamPort, port);
    }

    /** HAProxy with one thread as a reverse proxy to {@code upstreamPort}, connections to it reused. */
    static String haproxy(int port, int upstreamPort) {
        return """
                global
                  nbthread 1
                  maxconn 4096

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
                  default_backend up

                backend up
                  server up1 127.0.0.1:%d
                """.formatted(port, upstreamPort);
    }
}
