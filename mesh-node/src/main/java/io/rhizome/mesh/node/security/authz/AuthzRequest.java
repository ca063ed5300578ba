package io.rhizome.mesh.node.security.authz;

import java.util.List;

/**
 * What authorization looks at in a request. The path is the normalised one (PathNormalizer), the
 * same that is forwarded; the caller is the verified SPIFFE id of the peer, or null on plaintext.
 */
public interface AuthzRequest {

    /**
     * The caller's verified identity ({@code spiffe://D/service/NAME}), or null when there is none.
     */
    String caller();

    /** The method token as received, e.g. {@code GET}. */
    String method();

    /** The normalised path, without the query. */
    String path();

    /**
     * Every value of a header, in arrival order (empty when absent). Called with lower-case names.
     */
    List<String> headers(String lowerCaseName);
}
