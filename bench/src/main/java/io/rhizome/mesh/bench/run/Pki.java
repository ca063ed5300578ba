package io.rhizome.mesh.bench.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates of the {@code tls} variant, minted with the real tool ({@code bin/meshctl ca init}
 * and {@code ca issue}): one CA of the trust domain {@code bench.local} and one EC P-256
 * certificate per service identity. Rhizome nodes, nginx and HAProxy all use the same files, so
 * every TLS hop of the run does the same cryptography.
 */
final class Pki {
    static final String TRUST_DOMAIN = "bench.local";

    private final Path dir;

    private Pki(Path dir) {
        this.dir = dir;
    }

    /** Mints the CA and a certificate for each of {@code services} under {@code dir}/pki. */
    static Pki mint(Path root, Path dir, List<String> services)
            throws IOException, InterruptedException {
        Pki pki = new Pki(dir.resolve("pki"));
        meshctl(
                root,
                dir,
                "ca",
                "init",
                "--trust-domain",
                TRUST_DOMAIN,
                "--out",
                pki.dir.resolve("ca").toString());
        for (String s : services) {
            meshctl(
                    root,
                    dir,
                    "ca",
                    "issue",
                    "--ca",
                    pki.dir.resolve("ca").toString(),
                    "--service",
                    s,
                    "--out",
                    pki.dir.resolve(s).toString());
            // HAProxy wants the certificate and its key in one file.
            Files.writeString(
                    pki.combined(s), Files.readString(pki.cert(s)) + Files.readString(pki.key(s)));
        }
        return pki;
    }

    Path ca() {
        return dir.resolve("ca/ca.pem");
    }

    Path cert(String service) {
        return dir.resolve(service).resolve("cert.pem");
    }

    Path key(String service) {
        return dir.resolve(service).resolve("key.pem");
    }

    /** Certificate then key, for HAProxy's {@code crt}. */
    Path combined(String service) {
        return dir.resolve(service).resolve("combined.pem");
    }

    private static void meshctl(Path root, Path dir, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/meshctl").toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("meshctl.log");
        Process p =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new BenchFailure("meshctl " + String.join(" ", args) + ": no answer within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new BenchFailure(
                    "meshctl "
                            + String.join(" ", args)
                            + " exited "
                            + p.exitValue()
                            + ": "
                            + Files.readString(log).strip());
        }
    }
}
