package io.rhizome.mesh.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            /                          | /
            /admin                     | /admin
            /ADMIN                     | /ADMIN
            /admin/                    | /admin/
            //admin                    | /admin
            /a//b///c                  | /a/b/c
            /./admin                   | /admin
            /x/../admin                | /admin
            /x/y/../../admin           | /admin
            /../admin                  | /admin
            /../../..                  | /
            /a/b/..                    | /a/
            /a/b/.                     | /a/b/
            /a/./b/./c                 | /a/b/c
            /%61dmin                   | /admin
            /%41DMIN                   | /ADMIN
            /%2e%2e/admin              | /admin
            /x/%2E%2E/admin            | /admin
            /x/%2e/admin               | /x/admin
            /a%7eb%5Fc%2Dd             | /a~b_c-d
            /caf%c3%a9                 | /caf%C3%A9
            /a%20b                     | /a%20b
            /100%25                    | /100%25
            /%2561dmin                 | /%2561dmin
            /admin;x                   | /admin;x
            /.well-known/x             | /.well-known/x
            /a.b/..c/...               | /a.b/..c/...
            /admin?x                   | /admin?x
            /admin?a=/../b&c=%2F       | /admin?a=/../b&c=%2F
            //x/../admin?q=1           | /admin?q=1
            http://svc/%61dmin?q       | http://svc/admin?q
            http://svc                 | http://svc
            http://svc?q=1             | http://svc/?q=1
            HTTP://svc//a/../b         | HTTP://svc/b
            orders:443                 | orders:443
            """)
    void normalisesOneWay(String in, String expected) {
        assertThat(PathNormalizer.normalizeTarget(in))
                .isEqualTo(new PathNormalizer.Normalized(expected));
    }

    @ParameterizedTest(name = "{0} refused: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            /admin%2F..                | encoded slash (%2F)
            /admin%2f                  | encoded slash (%2F)
            /a%5C..%5Cadmin            | encoded backslash (%5C)
            /a\\admin                  | backslash
            /admin%00                  | encoded control character (%00)
            /admin%0d%0aX:1            | encoded control character (%0D)
            /admin%                    | broken percent-escape
            /admin%zz                  | broken percent-escape
            /admin%4                   | broken percent-escape
            /admin#                    | fragment
            /admin#x                   | fragment
            /public/..;/admin          | dot segment with parameters
            /public/.;x/admin          | dot segment with parameters
            /caf\u00e9                 | non-ASCII byte (0xE9)
            /a\u0001b                  | control character (0x01)
            /a\u0000b                  | NUL byte
            /a?b=%00                   | encoded NUL (%00) in the query
            /a?b=\u0001c               | control character (0x01) in the query
            """)
    void refusesWhatCannotBeMadeSafe(String in, String problem) {
        String unescaped =
                in.replace("\\\\", "\\")
                        .replace("\\u00e9", "\u00e9")
                        .replace("\\u0001", "\u0001")
                        .replace("\\u0000", "\u0000");
        PathNormalizer.Result r = PathNormalizer.normalizeTarget(unescaped);
        assertThat(r).isInstanceOf(PathNormalizer.Refused.class);
        assertThat(((PathNormalizer.Refused) r).problem()).contains(problem);
    }

    @org.junit.jupiter.api.Test
    void aTargetThatNeedsNoChangeIsTheSameString() {
        String target = "/api/v2/orders?id=7";
        assertThat(((PathNormalizer.Normalized) PathNormalizer.normalizeTarget(target)).target())
                .isSameAs(target);
    }
}
