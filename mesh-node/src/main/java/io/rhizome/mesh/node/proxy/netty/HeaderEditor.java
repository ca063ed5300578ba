package io.rhizome.mesh.node.proxy.netty;

import io.netty.handler.codec.http.HttpHeaders;
import io.rhizome.mesh.protocol.v1.HeaderEdits;

/** Applies a route's header edits: remove, then set, then add. */
public final class HeaderEditor {
    private HeaderEditor() {}

    public static void apply(HeaderEdits edits, HttpHeaders headers) {
        if (edits.getRemoveCount() == 0 && edits.getSetCount() == 0 && edits.getAddCount() == 0) {
            return;
        }
        for (String name : edits.getRemoveList()) {
            headers.remove(name);
        }
        edits.getSetMap().forEach(headers::set);
        edits.getAddMap().forEach(headers::add);
    }
}
