package io.rhizome.mesh.node.observability.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {
    private static final String INCOMING =
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private final TraceContext tracing = TraceContext.create(1.0);

    @Test
    void aHopKeepsTheTraceIdAndTheSampledFlagWithANewSpanId() {
        String next = tracing.nextHop(INCOMING);
        assertThat(TraceContext.isValid(next)).isTrue();
        assertThat(TraceContext.traceId(next)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceContext.spanId(next))
                .isNotEqualTo("00f067aa0ba902b7")
                .matches("[0-9a-f]{16}");
        assertThat(next).endsWith("-01");
        assertThat(TraceContext.create(0.0).nextHop(INCOMING))
                .as("the caller's decision stands")
                .endsWith("-01");
        assertThat(tracing.nextHop(INCOMING.replace("-01", "-00"))).endsWith("-00");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", // no flags
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero span id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 is
                // exactly 55 chars
                "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
                "garbage"
            })
    void anInvalidOrMissingTraceparentStartsANewTrace(String incoming) {
        String next = tracing.nextHop(incoming);
        assertThat(TraceContext.isValid(next)).isTrue();
        assertThat(TraceContext.traceId(next)).isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void aLaterVersionIsReadByItsVersion00Prefix() {
        String next =
                tracing.nextHop(
                        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds");
        assertThat(TraceContext.traceId(next)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(next).startsWith("00-");
    }

    @Test
    void newTracesAreRandomAndSampledByTheRatio() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(TraceContext.traceId(tracing.nextHop(null)));
        }
        assertThat(ids).hasSize(1000);
        assertThat(TraceContext.create(1.0).nextHop(null)).endsWith("-01");
        assertThat(TraceContext.create(0.0).nextHop(null)).endsWith("-00");
        int sampled = 0;
        TraceContext tenth = TraceContext.create(0.1);
        for (int i = 0; i < 10_000; i++) {
            if (tenth.nextHop(null).endsWith("-01")) {
                sampled++;
            }
        }
        assertThat(sampled).isBetween(800, 1200);
    }
}
