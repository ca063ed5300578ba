package io.rhizome.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResourceFileTest {

    @Test
    void detectsTheFormatByExtension() {
        assertThat(ResourceFile.Format.of("a.conf")).isEqualTo(ResourceFile.Format.HOCON);
        assertThat(ResourceFile.Format.of("A.JSON")).isEqualTo(ResourceFile.Format.JSON);
        assertThat(ResourceFile.Format.of("a.yml")).isEqualTo(ResourceFile.Format.YAML);
        assertThat(ResourceFile.Format.of("a.yaml")).isEqualTo(ResourceFile.Format.YAML);
        assertThat(ResourceFile.Format.of("resources")).isEqualTo(ResourceFile.Format.UNKNOWN);
    }

    @Test
    void severalYamlDocumentsAreOneList() {
        String json =
                ResourceFile.toJson(
                        "x.yaml",
                        "kind: Route\nname: a\n---\n- kind: Route\n  name: b\n---\nresources:\n  - {kind: Route, name: c}\n",
                        ResourceFile.Format.YAML);

        assertThat(Json.parse(json))
                .isEqualTo(
                        Json.parse(
                                "{\"resources\": [{\"kind\": \"Route\", \"name\": \"a\"}, {\"kind\": \"Route\", \"name\": \"b\"},"
                                        + " {\"kind\": \"Route\", \"name\": \"c\"}]}"));
    }

    @Test
    void yamlScalarsFollowTheCoreSchema() {
        String json =
                ResourceFile.toJson(
                        "x.yaml",
                        "a: on\nb: no\nc: true\nd: 12\ne: 1.5\nf: 010\ng: 2024-01-01T00:00:00Z\nh: ~\ni: 5xx\n",
                        ResourceFile.Format.YAML);

        assertThat(Json.parse(json))
                .isEqualTo(
                        Json.parse(
                                "{\"a\": \"on\", \"b\": \"no\", \"c\": true, \"d\": 12, \"e\": 1.5, \"f\": \"010\","
                                        + " \"g\": \"2024-01-01T00:00:00Z\", \"h\": null, \"i\": \"5xx\"}"));
    }

    @Test
    void aHoconListIsAResourcesList() {
        String json =
                ResourceFile.toJson(
                        "x.conf",
                        "# two\n[ { kind = Route, name = a }, { kind = Route, name = b } ]",
                        ResourceFile.Format.HOCON);

        assertThat(Json.parse(json))
                .isEqualTo(
                        Json.parse(
                                "{\"resources\": [{\"kind\": \"Route\", \"name\": \"a\"}, {\"kind\": \"Route\", \"name\": \"b\"}]}"));
    }

    @Test
    void hoconSubstitutionsAreResolved() {
        String json =
                ResourceFile.toJson(
                        "x.conf",
                        "svc = echo\nkind = Route\nspec { service = ${svc} }",
                        ResourceFile.Format.HOCON);

        assertThat(Json.parse(json).toConfig().getString("spec.service")).isEqualTo("echo");
    }

    @Test
    void aYamlScalarIsNotAResource() {
        assertThatThrownBy(
                        () -> ResourceFile.toJson("x.yaml", "just text", ResourceFile.Format.YAML))
                .isInstanceOf(MeshctlException.class)
                .hasMessage("x.yaml: expected a resource or a list of resources, got a string");
    }
}
