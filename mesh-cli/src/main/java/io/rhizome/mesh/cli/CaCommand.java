package io.rhizome.mesh.cli;

import io.rhizome.mesh.pki.CertificateAuthority;
import io.rhizome.mesh.pki.Issued;
import io.rhizome.mesh.pki.PkiException;
import io.rhizome.mesh.pki.SpiffeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl ca}: a certificate authority for the mesh's workload identities, on local files;
 * asks no node. Keys are EC P-256.
 */
@Command(
        name = "ca",
        mixinStandardHelpOptions = true,
        description =
                "Mints the mesh's CA and its workload certificates (SPIFFE ids, EC P-256 keys).",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class})
final class CaCommand implements Callable<Integer> {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h|d)");

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(), "Missing command (expected: init or issue)");
    }

    /** {@code meshctl ca init --trust-domain D --out DIR}. */
    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description = {
                "Writes a new CA for a trust domain: DIR/ca.pem (the trust bundle every node reads) and "
                        + "DIR/ca-key.pem (keep it secret).",
                "Refuses to overwrite an existing CA unless --force is given."
            })
    static final class Init implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--trust-domain",
                required = true,
                paramLabel = "DOMAIN",
                description =
                        "The trust domain, e.g. example.org (lower-case letters, digits, '.', '-', '_').")
        String trustDomain;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Directory to write into.")
        Path out;

        @Option(
                names = "--ttl",
                paramLabel = "DURATION",
                defaultValue = "3650d",
                description = "Lifetime of the CA (s, m, h or d; default: ${DEFAULT-VALUE}).")
        String ttl;

        @Option(names = "--force", description = "Overwrite an existing CA in DIR.")
        boolean force;

        @Override
        public Integer call() {
            checkTrustDomain(trustDomain);
            Duration lifetime = duration("--ttl", ttl);
            if (!force && CertificateAuthority.rootExists(out)) {
                throw new MeshctlException(
                        "--out: \""
                                + out
                                + "\" already holds a CA (ca.pem or ca-key.pem); use --force to replace it",
                        Meshctl.EXIT_REFUSED);
            }
            CertificateAuthority ca =
                    pki(
                            () ->
                                    CertificateAuthority.createRoot(
                                            trustDomain, lifetime, Clock.systemUTC()));
            pki(
                    () -> {
                        ca.writeRoot(out);
                        return null;
                    });
            spec.commandLine()
                    .getOut()
                    .println(
                            "wrote "
                                    + out.resolve(CertificateAuthority.CA_CERT)
                                    + " and "
                                    + out.resolve(CertificateAuthority.CA_KEY)
                                    + " for spiffe://"
                                    + trustDomain
                                    + " (expires "
                                    + ca.certificate().getNotAfter().toInstant()
                                    + ")");
            return Meshctl.EXIT_OK;
        }
    }

    /** {@code meshctl ca issue --ca DIR --service NAME --out DIR [--ttl 24h] [--intermediate]}. */
    @Command(
            name = "issue",
            mixinStandardHelpOptions = true,
            description = {
                "Writes DIR/cert.pem and DIR/key.pem: a certificate whose only URI SAN is "
                        + "spiffe://<trust-domain>/service/NAME, signed by the CA in --ca.",
                "With --intermediate: a CA certificate limited to the trust domain, with which a node "
                        + "mints its own short-lived certificates (rhizome.tls.issuer = DIR).",
                "Files are replaced atomically (key first), so a running node picks up the new pair."
            })
    static final class Issue implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--ca",
                required = true,
                paramLabel = "DIR",
                description = "Directory holding ca.pem and ca-key.pem (from 'meshctl ca init').")
        Path ca;

        @Option(
                names = "--service",
                required = true,
                paramLabel = "NAME",
                description = "The workload's service name (lower-case letters, digits and '-').")
        String service;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Directory to write into.")
        Path out;

        @Option(
                names = "--ttl",
                paramLabel = "DURATION",
                description =
                        "Lifetime (s, m, h or d; default: 24h, or 30d with --intermediate); "
                                + "never beyond the CA's own expiry.")
        String ttl;

        @Option(
                names = "--intermediate",
                description = "Issue an intermediate CA for a node's self-issuing mode.")
        boolean intermediate;

        @Override
        public Integer call() {
            try {
                SpiffeId.checkServiceName(service, "--service");
            } catch (PkiException e) {
                throw MeshctlException.usage(e.getMessage());
            }
            Duration lifetime = duration("--ttl", ttl != null ? ttl : intermediate ? "30d" : "24h");
            for (String file :
                    new String[] {CertificateAuthority.CA_CERT, CertificateAuthority.CA_KEY}) {
                if (!Files.isRegularFile(ca.resolve(file))) {
                    throw new MeshctlException(
                            "--ca: \""
                                    + ca.resolve(file)
                                    + "\" does not exist (expected: a directory written by 'meshctl ca init')",
                            Meshctl.EXIT_REFUSED);
                }
            }
            CertificateAuthority authority =
                    pki(() -> CertificateAuthority.loadRoot(ca, Clock.systemUTC()));
            Issued issued =
                    pki(
                            () ->
                                    intermediate
                                            ? authority.issueIntermediate(service, lifetime)
                                            : authority.issueWorkload(service, lifetime));
            pki(
                    () -> {
                        CertificateAuthority.writeIssued(issued, out);
                        return null;
                    });
            spec.commandLine()
                    .getOut()
                    .println(
                            "wrote "
                                    + out.resolve(CertificateAuthority.CERT)
                                    + " and "
                                    + out.resolve(CertificateAuthority.KEY)
                                    + (intermediate ? " (intermediate CA) for service " : " for ")
                                    + (intermediate
                                            ? service + " in spiffe://" + authority.trustDomain()
                                            : SpiffeId.forService(authority.trustDomain(), service)
                                                    .toString())
                                    + " (expires "
                                    + issued.certificate().getNotAfter().toInstant()
                                    + ")");
            return Meshctl.EXIT_OK;
        }
    }

    private static void checkTrustDomain(String trustDomain) {
        try {
            SpiffeId.checkTrustDomain(trustDomain, "--trust-domain");
        } catch (PkiException e) {
            throw MeshctlException.usage(e.getMessage());
        }
    }

    /**
     * {@code 24h}, {@code 30m}, {@code 90d}, {@code 3600s}; anything else is a usage error naming
     * {@code flag}.
     */
    static Duration duration(String flag, String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw MeshctlException.usage(
                    flag
                            + ": \""
                            + text
                            + "\" (expected: a positive duration such as 24h, 30m or 7d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * Runs a PKI step; its failure (an unreadable file, a key that does not match) is one line,
     * exit 1.
     */
    private static <T> T pki(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (PkiException e) {
            throw new MeshctlException(e.getMessage(), Meshctl.EXIT_REFUSED);
        }
    }
}
