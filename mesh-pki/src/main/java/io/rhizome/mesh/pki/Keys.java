package io.rhizome.mesh.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Private-key checks, and key managers for JDK TLS. */
public final class Keys {
    private Keys() {}

    /**
     * Key managers that present {@code chain} (the certificate first) with {@code key}, for a JDK
     * {@code SSLContext}.
     */
    public static javax.net.ssl.KeyManager[] keyManagers(
            PrivateKey key, java.util.List<java.security.cert.X509Certificate> chain)
            throws GeneralSecurityException {
        char[] password = new char[0];
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try {
            store.load(null, password);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        store.setKeyEntry(
                "key", key, password, chain.toArray(java.security.cert.X509Certificate[]::new));
        javax.net.ssl.KeyManagerFactory factory =
                javax.net.ssl.KeyManagerFactory.getInstance(
                        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: it signs, the public key
     * verifies.
     */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] probe = "rhizome key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
