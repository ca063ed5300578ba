package io.rhizome.mesh.node.security.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.policy.PolicyView;
import io.rhizome.mesh.node.policy.PolicyViews;
import io.rhizome.mesh.pki.IdentityPattern;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthorizationsTest {

    private static final String ORDERS = "spiffe://example.org/service/orders";
    private static final String BILLING = "spiffe://example.org/service/billing";
    private static final String FOREIGN = "spiffe://evil.org/service/orders";

    private static final PolicyView POLICY =
            PolicyViews.fromHocon(
                    """
            resources = [
              { kind = Authorization, name = shop, spec {
                  service = shop
                  default = deny
                  rules = [
                    { action = deny, path-prefixes = ["/admin"] }
                    { action = allow, from = ["spiffe://example.org/service/*"], methods = [GET, HEAD] }
                    { action = allow, from = ["spiffe://example.org/service/billing"], methods = [POST], paths = ["/charge"] }
                    { action = allow, headers { x-health = "1" }, paths = ["/healthz"] }
                  ] } }
              { kind = Authorization, name = open, spec {
                  service = open
                  rules = [ { action = deny, headers { x-debug { present = true } } },
                            { action = deny, from = ["spiffe://evil.org/service/*"] } ] } }
              { kind = Authorization, name = open-extra, spec {
                  service = open
                  rules = [ { action = deny, methods = [DELETE] } ] } }
            ]
            """);

    private static AuthzRequest request(
            String caller, String method, String path, Map<String, List<String>> headers) {
        return new AuthzRequest() {
            @Override
            public String caller() {
                return caller;
            }

            @Override
            public String method() {
                return method;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public List<String> headers(String name) {
                return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
            }
        };
    }

    private static AuthorizationDecision decide(
            Authorizations a, String service, String caller, String method, String path) {
        return a.check(service, request(caller, method, path, Map.of()));
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            textBlock =
                    """
            spiffe://example.org/service/orders  | GET    | /items        | allowed
            spiffe://example.org/service/orders  | HEAD   | /items        | allowed
            spiffe://example.org/service/orders  | POST   | /charge       | denied: the default of Authorization shop
            spiffe://example.org/service/billing | POST   | /charge       | allowed
            spiffe://example.org/service/billing | POST   | /charge/x     | denied: the default of Authorization shop
            spiffe://evil.org/service/orders     | GET    | /items        | denied: the default of Authorization shop
            -                                    | GET    | /items        | denied: the default of Authorization shop
            spiffe://example.org/service/orders  | GET    | /admin        | denied: Authorization shop rules[0]
            spiffe://example.org/service/orders  | GET    | /admin/       | denied: Authorization shop rules[0]
            spiffe://example.org/service/orders  | GET    | /admin/users  | denied: Authorization shop rules[0]
            spiffe://example.org/service/orders  | GET    | /admin;x      | denied: Authorization shop rules[0]
            spiffe://example.org/service/orders  | GET    | /admin;x/y    | denied: Authorization shop rules[0]
            spiffe://example.org/service/orders  | GET    | /administrator | allowed
            spiffe://example.org/service/orders  | GET    | /ADMIN        | allowed
            spiffe://example.org/service/orders  | get    | /items        | denied: the default of Authorization shop
            """)
    void denyRulesWinThenAllowRulesThenTheDefault(
            String caller, String method, String path, String expected) {
        Authorizations a = Authorizations.create(POLICY, false);
        assertThat(describe(decide(a, "shop", caller, method, path))).isEqualTo(expected);
    }

    @Test
    void aWildcardMatchesWithinOneSegmentOnly() {
        IdentityPattern any = new IdentityPattern("spiffe://example.org/service/*");
        assertThat(any.matches(ORDERS)).isTrue();
        assertThat(any.matches("spiffe://example.org/service/a/b")).isFalse();
        assertThat(any.matches(FOREIGN)).isFalse();
        assertThat(any.matches(null)).isFalse();
        IdentityPattern anyDomain = new IdentityPattern("spiffe://*/service/orders");
        assertThat(anyDomain.matches(FOREIGN)).isTrue();
        assertThat(anyDomain.matches("spiffe://a/b/service/orders")).isFalse();
        assertThat(new IdentityPattern("spiffe://example.org/service/ord*s").matches(ORDERS))
                .isTrue();
        assertThat(new IdentityPattern(ORDERS).matches(ORDERS + "x")).isFalse();
    }

    @Test
    void aHeaderConditionOfAnAllowRuleMustHoldForEveryCopyAndOfADenyRuleForAny() {
        Authorizations a = Authorizations.create(POLICY, false);
        assertThat(
                        a.check(
                                "shop",
                                request(null, "GET", "/healthz", Map.of("x-health", List.of("1")))))
                .isEqualTo(AuthorizationDecision.ALLOWED);
        assertThat(
                        a.check(
                                "shop",
                                request(
                                        null,
                                        "GET",
                                        "/healthz",
                                        Map.of("x-health", List.of("1", "2")))))
                .as("a second copy that does not match")
                .isInstanceOf(AuthorizationDecision.Denied.class);
        assertThat(a.check("open", request(BILLING, "GET", "/", Map.of("x-debug", List.of("")))))
                .isEqualTo(new AuthorizationDecision.Denied("Authorization open rules[0]"));
    }

    @Test
    void everyAuthorizationOfAServiceApplies() {
        Authorizations a = Authorizations.create(POLICY, false);
        assertThat(decide(a, "open", BILLING, "GET", "/x"))
                .isEqualTo(AuthorizationDecision.ALLOWED);
        assertThat(decide(a, "open", null, "GET", "/x"))
                .as("default allow")
                .isEqualTo(AuthorizationDecision.ALLOWED);
        assertThat(decide(a, "open", FOREIGN, "GET", "/x"))
                .isEqualTo(new AuthorizationDecision.Denied("Authorization open rules[1]"));
        assertThat(decide(a, "open", BILLING, "DELETE", "/x"))
                .isEqualTo(new AuthorizationDecision.Denied("Authorization open-extra rules[0]"));
    }

    @Test
    void theMeshWideDefaultDenyClosesServicesExceptToWhatRulesAllow() {
        Authorizations open = Authorizations.create(POLICY, false);
        Authorizations closed = Authorizations.create(POLICY, true);
        assertThat(decide(open, "unprotected", null, "GET", "/"))
                .isEqualTo(AuthorizationDecision.ALLOWED);
        assertThat(decide(closed, "unprotected", ORDERS, "GET", "/"))
                .isEqualTo(new AuthorizationDecision.Denied("rhizome.authorization.default-deny"));
        // `open` has default allow, but the switch wins: only what a rule allows gets through.
        assertThat(decide(closed, "open", BILLING, "GET", "/x"))
                .isEqualTo(new AuthorizationDecision.Denied("rhizome.authorization.default-deny"));
        assertThat(decide(closed, "shop", ORDERS, "GET", "/items"))
                .isEqualTo(AuthorizationDecision.ALLOWED);
    }

    @Test
    void decisionsAreCountedPerService() {
        Authorizations a = Authorizations.create(POLICY, false);
        decide(a, "shop", ORDERS, "GET", "/items");
        decide(a, "shop", ORDERS, "GET", "/admin");
        decide(a, "shop", null, "GET", "/items");
        assertThat(a.stats().allowed("shop")).isEqualTo(1);
        assertThat(a.stats().denied("shop")).isEqualTo(2);
        assertThat(a.stats().deniedByService()).isEqualTo(Map.of("shop", 2L));
    }

    @Test
    void aPolicyChangeTakesEffectOnTheNextRequest() {
        PolicyView view = new PolicyView();
        PolicyViews.publish(view, POLICY);
        Authorizations a = Authorizations.create(view, false);
        assertThat(decide(a, "shop", ORDERS, "GET", "/items"))
                .isEqualTo(AuthorizationDecision.ALLOWED);
        PolicyViews.publish(
                view,
                PolicyViews.fromHocon(
                        """
                { kind = Authorization, name = shop, spec { service = shop, default = deny } }
                """));
        assertThat(decide(a, "shop", ORDERS, "GET", "/items"))
                .isInstanceOf(AuthorizationDecision.Denied.class);
    }

    @Test
    void pathParametersAreLeftOutOfTheMatchedPath() {
        assertThat(Authorizations.withoutParameters("/a;x/b;y=1/c")).isEqualTo("/a/b/c");
        assertThat(Authorizations.withoutParameters("/admin;jsessionid=1")).isEqualTo("/admin");
        String plain = "/a/b";
        assertThat(Authorizations.withoutParameters(plain)).isSameAs(plain);
    }

    private static String describe(AuthorizationDecision d) {
        return d instanceof AuthorizationDecision.Denied denied
                ? "denied: " + denied.reason()
                : "allowed";
    }
}
