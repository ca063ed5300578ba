package io.rhizome.mesh.node.observability.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The RST_STREAM and GOAWAY frames the data plane's HTTP/2 listeners sent, by port and error code:
 * how often clients were refused (PROTOCOL_ERROR, REFUSED_STREAM, FLOW_CONTROL_ERROR,
 * ENHANCE_YOUR_CALM for floods and rapid reset) or streams cancelled. Lock-free counters.
 */
public final class Http2Stats {
    /** RFC 9113 §7 error codes 0x0..0xd by their names, then any other code. */
    private static final String[] ERRORS = {
        "no_error",
        "protocol_error",
        "internal_error",
        "flow_control_error",
        "settings_timeout",
        "stream_closed",
        "frame_size_error",
        "refused_stream",
        "cancel",
        "compress_error",
        "connect_error",
        "enhance_your_calm",
        "inadequate_security",
        "http_1_1_required",
        "other"
    };

    /** [frame: 0 RST_STREAM, 1 GOAWAY][port: 0 outbound, 1 inbound][error] */
    private final LongAdder[][][] sent = new LongAdder[2][2][ERRORS.length];

    public Http2Stats() {
        for (LongAdder[][] byPort : sent) {
            for (LongAdder[] byError : byPort) {
                for (int i = 0; i < byError.length; i++) {
                    byError[i] = new LongAdder();
                }
            }
        }
    }

    public void resetSent(boolean inbound, long errorCode) {
        sent[0][inbound ? 1 : 0][index(errorCode)].increment();
    }

    public void goAwaySent(boolean inbound, long errorCode) {
        sent[1][inbound ? 1 : 0][index(errorCode)].increment();
    }

    /**
     * One counter: {@code frame} is {@code rst_stream} or {@code goaway}, {@code port} {@code
     * outbound} or {@code inbound}.
     */
    public interface Sample {
        void accept(String frame, String port, String error, long count);
    }

    /** Every counter that is not zero. */
    public void forEach(Sample sample) {
        for (int f = 0; f < 2; f++) {
            for (int p = 0; p < 2; p++) {
                for (int e = 0; e < ERRORS.length; e++) {
                    long n = sent[f][p][e].sum();
                    if (n > 0) {
                        sample.accept(
                                f == 0 ? "rst_stream" : "goaway",
                                p == 0 ? "outbound" : "inbound",
                                ERRORS[e],
                                n);
                    }
                }
            }
        }
    }

    private static int index(long errorCode) {
        return errorCode >= 0 && errorCode < ERRORS.length - 1
                ? (int) errorCode
                : ERRORS.length - 1;
    }
}
