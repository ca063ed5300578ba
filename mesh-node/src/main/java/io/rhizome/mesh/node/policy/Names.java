package io.rhizome.mesh.node.policy;

import com.typesafe.config.ConfigValue;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The forms of names, methods, paths and patterns that resources share. */
final class Names {

    /** Resource and service names: the node config's service-name rule (a DNS label). */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    static final String NAME_FORM =
            "1-63 of a-z, 0-9 and '-', starting and ending with a letter or digit";

    /** RFC 9110 token: header names, cookie names and methods. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static final Pattern IDENTITY =
            Pattern.compile("spiffe://[a-z0-9*][a-z0-9._*-]*/service/[a-z0-9*][a-z0-9*-]*");
    static final String IDENTITY_FORM =
            "an identity spiffe://DOMAIN/service/NAME, '*' wildcards allowed";

    private Names() {}

    /** A required resource or service name at {@code key}. */
    static String name(Fields f, String key, String what) {
        String expected = what + ": " + NAME_FORM;
        String s = f.text(key, expected);
        if (!NAME.matcher(s).matches()) {
            throw ResourceError.bad(f.pathOf(key), f.value(key, expected), expected);
        }
        return s;
    }

    static String service(Fields f, String key) {
        return name(f, key, "a service name");
    }

    /** A header name given as an object key, lower-cased. */
    static String headerName(String name, String path) {
        if (!TOKEN.matcher(name).matches()) {
            throw ResourceError.bad(
                    path, ResourceError.quote(name), "a header name (an HTTP token)");
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** A header name given as a value, lower-cased. */
    static String headerName(ConfigValue v, String path) {
        String s = Fields.scalar(v, path, "a header name (an HTTP token)");
        if (!TOKEN.matcher(s).matches()) {
            throw ResourceError.bad(path, v, "a header name (an HTTP token)");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    static String cookieName(ConfigValue v, String path) {
        String s = Fields.scalar(v, path, "a cookie name (an HTTP token)");
        if (!TOKEN.matcher(s).matches()) {
            throw ResourceError.bad(path, v, "a cookie name (an HTTP token)");
        }
        return s;
    }

    /** An HTTP method token, upper-cased. */
    static String method(ConfigValue v, String path) {
        String expected = "an HTTP method token such as GET";
        String s = Fields.scalar(v, path, expected);
        if (!TOKEN.matcher(s).matches()) {
            throw ResourceError.bad(path, v, expected);
        }
        return s.toUpperCase(Locale.ROOT);
    }

    static String path(ConfigValue v, String path) {
        String expected = "a path starting with '/'";
        String s = Fields.scalar(v, path, expected);
        if (!s.startsWith("/") || s.chars().anyMatch(c -> c <= ' ')) {
            throw ResourceError.bad(path, v, expected);
        }
        return s;
    }

    /** A Java regular expression that compiles. */
    static String regex(ConfigValue v, String path) {
        String s = Fields.scalar(v, path, "a Java regular expression");
        try {
            Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw ResourceError.bad(
                    path,
                    v,
                    "a Java regular expression; "
                            + e.getDescription()
                            + " near index "
                            + e.getIndex());
        }
        return s;
    }

    static String identity(ConfigValue v, String path) {
        String s = Fields.scalar(v, path, IDENTITY_FORM);
        if (!IDENTITY.matcher(s).matches()) {
            throw ResourceError.bad(path, v, IDENTITY_FORM);
        }
        return s;
    }
}
