package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.AuthorizationRule;
import io.rhizome.mesh.protocol.v1.Resource;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@code tcp} service's connections are opaque bytes: its Authorization rules can only name
 * callers ({@code from}). A rule naming methods, paths or headers for one could never match what it
 * says, so a batch holding one is refused at apply time, naming the field.
 */
public final class TcpServiceRules {
    private TcpServiceRules() {}

    /**
     * @param isTcp whether the mesh knows {@code service} as a {@code tcp} service
     * @param inList the batch was a list ({@code resources[i].spec...}) rather than one resource
     *     ({@code spec...})
     * @throws ResourceError naming the first field that cannot apply to a tcp service
     */
    public static void check(List<Resource> batch, Predicate<String> isTcp, boolean inList) {
        for (int i = 0; i < batch.size(); i++) {
            Resource r = batch.get(i);
            if (!r.hasAuthorization() || !isTcp.test(r.getAuthorization().getService())) {
                continue;
            }
            String prefix = (inList ? "resources[" + i + "]." : "") + "spec.rules[";
            List<AuthorizationRule> rules = r.getAuthorization().getRulesList();
            for (int j = 0; j < rules.size(); j++) {
                AuthorizationRule rule = rules.get(j);
                String field =
                        rule.getMethodsCount() > 0
                                ? "methods"
                                : rule.getPathsCount() > 0
                                        ? "paths"
                                        : rule.getPathPrefixesCount() > 0
                                                ? "path-prefixes"
                                                : rule.getHeadersCount() > 0 ? "headers" : null;
                if (field != null) {
                    throw new ResourceError(
                            prefix + j + "]." + field,
                            "\""
                                    + r.getAuthorization().getService()
                                    + "\" is a tcp service: its connections have no "
                                    + field
                                    + " (expected: rules naming only from)");
                }
            }
        }
    }
}
