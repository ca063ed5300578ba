package io.rhizome.mesh.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ObservabilitySettingsTest {

    private static NodeSettings load(String hocon) {
        return SettingsLoader.fromConfig(
                ConfigFactory.parseString("rhizome.node.name = node-1\n" + hocon));
    }

    @Test
    void defaultsCountRequestsAndLogNothing() {
        ObservabilitySettings o = load("").observability();
        assertThat(o).isEqualTo(new ObservabilitySettings(true, 2000, false, "stdout", 1.0, ""));
    }

    @Test
    void aNodeFileTurnsTheAccessLogOnAndMetricsOff() {
        ObservabilitySettings o =
                load("""
                rhizome.metrics.enabled = off
                rhizome.access-log { enabled = on, target = "/tmp/access.log" }
                rhizome.tracing { sample-ratio = 0.25, otlp-endpoint = "http://127.0.0.1:4318/v1/traces" }
                """)
                        .observability();
        assertThat(o)
                .isEqualTo(
                        new ObservabilitySettings(
                                false,
                                2000,
                                true,
                                "/tmp/access.log",
                                0.25,
                                "http://127.0.0.1:4318/v1/traces"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "rhizome.metrics.enabled = maybe | rhizome.metrics.enabled: \"maybe\" (expected: on or off)",
                "rhizome.metrics.max-series = 0 | rhizome.metrics.max-series: 0 (expected: an integer 1..100000)",
                "rhizome.access-log.target = \"\" | rhizome.access-log.target: \"\" (expected: stdout or a file path)",
                "rhizome.tracing.sample-ratio = 2 | rhizome.tracing.sample-ratio: 2 (expected: a number 0.0..1.0)",
                "rhizome.tracing.otlp-endpoint = \"collector:4318\" | rhizome.tracing.otlp-endpoint: \"collector:4318\" (expected: an http(s) URL"
            })
    void badValuesStopTheNodeNamingTheKey(String line, String message) {
        assertThatThrownBy(() -> load(line))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith(message);
    }
}
