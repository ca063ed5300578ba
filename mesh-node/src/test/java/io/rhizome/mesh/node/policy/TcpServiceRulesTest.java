package io.rhizome.mesh.node.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rhizome.mesh.protocol.v1.Resource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TcpServiceRulesTest {
    private static final Set<String> TCP = Set.of("cache");

    private static List<Resource> batch(String rules) {
        return ResourceCodec.parseHocon(
                """
                resources = [
                  { kind = Authorization, name = web, spec { service = web, rules = [ { action = allow, paths = ["/a"] } ] } }
                  { kind = Authorization, name = cache, spec { service = cache, default = deny, rules = %s } }
                ]
                """
                        .formatted(rules));
    }

    @Test
    void rulesOfATcpServiceThatNameOnlyCallersApply() {
        TcpServiceRules.check(
                batch("[ { action = allow, from = [\"spiffe://example.org/service/web\"] } ]"),
                TCP::contains,
                true);
    }

    @Test
    void aRuleNamingPathsMethodsOrHeadersOfATcpServiceIsRefusedNamingTheField() {
        assertThatThrownBy(
                        () ->
                                TcpServiceRules.check(
                                        batch(
                                                "[ { action = allow, from = [\"spiffe://example.org/service/web\"] },"
                                                        + " { action = deny, methods = [GET] } ]"),
                                        TCP::contains,
                                        true))
                .isInstanceOf(ResourceError.class)
                .hasMessage(
                        "resources[1].spec.rules[1].methods: \"cache\" is a tcp service: its connections have no methods"
                                + " (expected: rules naming only from)");
        assertThatThrownBy(
                        () ->
                                TcpServiceRules.check(
                                        batch("[ { action = allow, headers { x-a = \"1\" } } ]"),
                                        TCP::contains,
                                        true))
                .isInstanceOfSatisfying(
                        ResourceError.class,
                        e -> assertThat(e.field()).isEqualTo("resources[1].spec.rules[0].headers"));
    }

    @Test
    void httpServicesKeepTheirRequestRules() {
        TcpServiceRules.check(batch("[ { action = allow, paths = [\"/x\"] } ]"), s -> false, true);
    }
}
