package io.rhizome.mesh.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.util.function.Predicate;

/** Reads {@code GET /v1/tap}'s NDJSON lines: one JSON object each, empty lines are keep-alives. */
final class TapStream implements AutoCloseable {
    private final InputStream in;
    private final BufferedReader reader;

    private TapStream(InputStream in) {
        this.in = in;
        this.reader = new BufferedReader(new InputStreamReader(in, UTF_8));
    }

    /** Opens a tap on {@code node}; {@code query} is already encoded, starting with {@code ?}. */
    static TapStream open(NodeClient node, String query) {
        return new TapStream(node.stream("/v1/tap" + query));
    }

    /**
     * Hands every line to {@code onLine} until it returns false, the node ends the stream, or the
     * stream is closed from another thread. Unreadable lines are skipped.
     */
    void forEach(Predicate<ConfigObject> onLine) {
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                ConfigObject object;
                try {
                    object = Json.parse(line);
                } catch (ConfigException e) {
                    continue;
                }
                if (!onLine.test(object)) {
                    return;
                }
            }
        } catch (IOException e) {
            // closed by us (Ctrl-C, q, --max) or by the node going away: the tap is over either way
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
