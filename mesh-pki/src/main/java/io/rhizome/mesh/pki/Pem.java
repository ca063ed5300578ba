package io.rhizome.mesh.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** Reading and writing PEM files: certificates (one or a chain) and unencrypted private keys. */
public final class Pem {
    private Pem() {}

    /** Every certificate in a PEM file, in file order; none is an error that names the file. */
    public static List<X509Certificate> readCertificates(Path file) {
        byte[] bytes = read(file);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certificates = new ArrayList<>();
            for (var c : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new PkiException(
                        "\""
                                + file
                                + "\" holds no certificate (expected: PEM \"BEGIN CERTIFICATE\" blocks)");
            }
            return List.copyOf(certificates);
        } catch (CertificateException e) {
            throw new PkiException(
                    "\""
                            + file
                            + "\" is not a PEM certificate file ("
                            + oneLine(e.getMessage())
                            + ")",
                    e);
        }
    }

    /**
     * The private key in a PEM file: PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") or PKCS#1
     * ("RSA PRIVATE KEY").
     */
    public static PrivateKey readPrivateKey(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        try (Reader reader = new StringReader(text);
                PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException | RuntimeException e) {
            // The message never includes key material: only the file and the kind of problem.
            throw new PkiException(
                    "\""
                            + file
                            + "\" is not a readable private key ("
                            + e.getClass().getSimpleName()
                            + ")",
                    e);
        }
        throw new PkiException(
                "\""
                        + file
                        + "\" holds no unencrypted private key (expected: PEM \"BEGIN PRIVATE KEY\")");
    }

    /** PEM text of {@code certificates}, in order. */
    public static String certificates(List<X509Certificate> certificates) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (X509Certificate c : certificates) {
                writer.writeObject(c);
            }
        } catch (IOException e) {
            throw new PkiException("cannot encode a certificate as PEM", e);
        }
        return out.toString();
    }

    /** PEM text of {@code key} as unencrypted PKCS#8. */
    public static String privateKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new PkiException("cannot encode a private key as PEM", e);
        }
        return out.toString();
    }

    /**
     * Writes {@code text} to {@code file} atomically (a temporary file moved over it), so that a
     * node watching the file never reads half of it. {@code secret} files are readable by the owner
     * only.
     */
    public static void write(Path file, String text, boolean secret) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                if (secret) {
                    try {
                        Files.setPosixFilePermissions(
                                tmp, PosixFilePermissions.fromString("rw-------"));
                    } catch (UnsupportedOperationException e) {
                        // not a POSIX file system: the platform's defaults apply
                    }
                }
                Files.writeString(tmp, text, StandardCharsets.US_ASCII);
                try {
                    Files.move(
                            tmp,
                            file,
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new PkiException(
                    "cannot write \""
                            + file
                            + "\" ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + ")",
                    e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PkiException("\"" + file + "\" does not exist", e);
        } catch (IOException e) {
            throw new PkiException(
                    "cannot read \"" + file + "\" (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
