package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.Resource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node accepted that a majority has not acknowledged yet (architecture.md §3: no
 * accepted write is ever lost). Kept in data-dir as length-delimited protobuf; rewritten whole on
 * each change (it holds only what is in flight, normally nothing). A new incarnation re-submits
 * what is left.
 */
public final class PolicyJournal {
    private static final Logger log = LoggerFactory.getLogger(PolicyJournal.class);

    private final Path file;
    private final Map<String, Resource> pending = new LinkedHashMap<>();

    public PolicyJournal(Path dataDir) {
        this.file = dataDir.resolve("policy-journal.pb");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                Resource r;
                while ((r = Resource.parseDelimitedFrom(in)) != null) {
                    pending.put(key(r), r);
                }
            } catch (IOException e) {
                log.warn("policy journal {} unreadable, ignored: {}", file, e.getMessage());
            }
        }
    }

    static String key(Resource r) {
        return r.getKind() + "/" + r.getName();
    }

    public synchronized List<Resource> pending() {
        return new ArrayList<>(pending.values());
    }

    public synchronized void append(List<Resource> resources) {
        for (Resource r : resources) {
            pending.put(key(r), r);
        }
        save();
    }

    /** Forgets entries a majority acknowledged (only if the journal holds that very version). */
    public synchronized void acknowledged(List<Resource> resources) {
        boolean changed = false;
        for (Resource r : resources) {
            Resource held = pending.get(key(r));
            if (held != null && held.getVersion().equals(r.getVersion())) {
                pending.remove(key(r));
                changed = true;
            }
        }
        if (changed) {
            save();
        }
    }

    private void save() {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                for (Resource r : pending.values()) {
                    r.writeDelimitedTo(out);
                }
            }
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write policy journal " + file, e);
        }
    }
}
