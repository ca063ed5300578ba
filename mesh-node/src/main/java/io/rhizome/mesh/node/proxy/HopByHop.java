package io.rhizome.mesh.node.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Connection-specific header fields (RFC 9110 §7.6.1): they describe one connection and are never
 * forwarded. A proxy removes Connection, every field Connection names, and the fields that are
 * connection-specific by definition.
 */
public final class HopByHop {
    private static final List<CharSequence> ALWAYS =
            List.of(
                    HttpHeaderNames.CONNECTION,
                    HttpHeaderNames.KEEP_ALIVE,
                    "proxy-connection",
                    HttpHeaderNames.TE,
                    HttpHeaderNames.TRAILER,
                    HttpHeaderNames.TRANSFER_ENCODING,
                    HttpHeaderNames.UPGRADE,
                    HttpHeaderNames.PROXY_AUTHORIZATION,
                    HttpHeaderNames.PROXY_AUTHENTICATE);

    private HopByHop() {}

    /**
     * Removes connection-specific fields in place. Framing (Transfer-Encoding) is the caller's to
     * set again. One pass over the fields finds the ones present (usually none, or just
     * Connection): removing each of the nine names by lookup, present or not, was a hash of every
     * name twice per hop.
     */
    public static void strip(HttpHeaders headers) {
        List<CharSequence> found = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (isAlwaysHopByHop(name)) {
                if (found == null) {
                    found = new ArrayList<>(2);
                }
                found.add(name);
            }
        }
        if (found == null) {
            return; // no Connection field either, so no field it names
        }
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String t = token.trim();
                if (!t.isEmpty()) {
                    headers.remove(t);
                }
            }
        }
        for (CharSequence name : found) {
            headers.remove(name);
        }
    }

    private static boolean isAlwaysHopByHop(CharSequence name) {
        int n = name.length();
        for (CharSequence h : ALWAYS) {
            if (h.length() == n && AsciiString.contentEqualsIgnoreCase(h, name)) {
                return true;
            }
        }
        return false;
    }
}
