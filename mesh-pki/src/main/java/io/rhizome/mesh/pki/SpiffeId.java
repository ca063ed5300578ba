package io.rhizome.mesh.pki;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SPIFFE id, {@code spiffe://<trust-domain><path>}. Workloads of the mesh are named {@code
 * spiffe://<trust-domain>/service/<name>}; a trust domain alone ({@code spiffe://example.org})
 * names a CA.
 *
 * @param trustDomain lower-case letters, digits, '.', '-' and '_' (SPIFFE spec)
 * @param path "" or a path starting with '/'
 */
public record SpiffeId(String trustDomain, String path) {
    private static final String SCHEME = "spiffe://";
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
    private static final Pattern SERVICE_NAME =
            Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String SERVICE_PREFIX = "/service/";

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
    }

    /** The id of the workload {@code service} in {@code trustDomain}; both are checked. */
    public static SpiffeId forService(String trustDomain, String service) {
        checkTrustDomain(trustDomain, "trust domain");
        checkServiceName(service, "service");
        return new SpiffeId(trustDomain, SERVICE_PREFIX + service);
    }

    /** Parses a SPIFFE id; anything else is a {@link PkiException} that quotes it. */
    public static SpiffeId parse(String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new PkiException(
                    "\"" + uri + "\" (expected: a SPIFFE id spiffe://<trust-domain>/<path>)");
        }
        String rest = uri.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String domain = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (!TRUST_DOMAIN.matcher(domain).matches()) {
            throw new PkiException(
                    "\""
                            + uri
                            + "\" (expected: a trust domain of lower-case letters, digits, '.', '-', '_')");
        }
        if (!path.isEmpty()) {
            for (String segment : path.substring(1).split("/", -1)) {
                if (!SEGMENT.matcher(segment).matches()
                        || segment.equals(".")
                        || segment.equals("..")) {
                    throw new PkiException(
                            "\""
                                    + uri
                                    + "\" (expected: path segments of letters, digits, '.', '-', '_')");
                }
            }
        }
        return new SpiffeId(domain, path);
    }

    /**
     * Throws unless {@code value} is a valid trust domain; {@code what} names it in the message.
     */
    public static String checkTrustDomain(String value, String what) {
        if (value == null || !TRUST_DOMAIN.matcher(value).matches()) {
            throw new PkiException(
                    what
                            + ": \""
                            + value
                            + "\" (expected: a trust domain such as example.org: lower-case letters, digits, '.', '-', '_')");
        }
        return value;
    }

    /**
     * Throws unless {@code value} is a valid mesh service name; {@code what} names it in the
     * message.
     */
    public static String checkServiceName(String value, String what) {
        if (value == null || !SERVICE_NAME.matcher(value).matches()) {
            throw new PkiException(
                    what
                            + ": \""
                            + value
                            + "\" (expected: lower-case letters, digits and '-', at most 63)");
        }
        return value;
    }

    /**
     * The one SPIFFE id a certificate names as its URI SAN. Zero URI SANs, several, or one that is
     * not a SPIFFE id are refused (SPIFFE X.509-SVID: exactly one URI SAN).
     */
    public static SpiffeId of(X509Certificate certificate) {
        List<String> uris = uriSans(certificate);
        if (uris.size() != 1) {
            throw new PkiException(
                    "certificate \""
                            + certificate.getSubjectX500Principal().getName()
                            + "\" has "
                            + uris.size()
                            + " URI SANs (expected: exactly one spiffe:// id)");
        }
        return parse(uris.get(0));
    }

    /** Every URI subject alternative name of {@code certificate}. */
    public static List<String> uriSans(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new PkiException(
                    "certificate \""
                            + certificate.getSubjectX500Principal().getName()
                            + "\" has an unreadable subjectAltName extension",
                    e);
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() >= 2
                        && Integer.valueOf(6).equals(name.get(0))) { // 6: uniformResourceIdentifier
                    uris.add(String.valueOf(name.get(1)));
                }
            }
        }
        return uris;
    }

    /** The service name of a {@code /service/<name>} id, or null. */
    public String service() {
        if (!path.startsWith(SERVICE_PREFIX)) {
            return null;
        }
        String name = path.substring(SERVICE_PREFIX.length());
        return SERVICE_NAME.matcher(name).matches() ? name : null;
    }

    /** {@code spiffe://<trust-domain>}: the id of the trust domain itself. */
    public SpiffeId trustDomainId() {
        return new SpiffeId(trustDomain, "");
    }

    public boolean sameTrustDomain(SpiffeId other) {
        return trustDomain.equals(other.trustDomain.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return SCHEME + trustDomain + path;
    }
}
