package io.rhizome.mesh.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies point one way: the data plane's interface does not know its Netty
 * implementation, and the packages the request path and the control plane use (config, security,
 * observability) do not reach back into them. A new dependency the wrong way fails here, naming it.
 */
@Tag("slow") // several seconds: imports and checks every class of the node
class ArchitectureTest {
    private static final JavaClasses NODE =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("io.rhizome.mesh.node");

    @Test
    void theDataPlaneInterfaceDoesNotKnowItsNettyImplementation() {
        noClasses()
                .that()
                .resideInAPackage("io.rhizome.mesh.node.proxy")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.rhizome.mesh.node.proxy.netty..")
                .check(NODE);
    }

    @Test
    void configDependsOnNoOtherPartOfTheNode() {
        // One known exception: SettingsLoader loads the TLS material while it reads the settings,
        // so that
        // a node never starts with TLS it cannot use (and takes its identity from the certificate).
        noClasses()
                .that()
                .resideInAPackage("io.rhizome.mesh.node.config..")
                .and()
                .doNotHaveFullyQualifiedName("io.rhizome.mesh.node.config.SettingsLoader")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.rhizome.mesh.node.proxy..",
                        "io.rhizome.mesh.node.admin..",
                        "io.rhizome.mesh.node.cluster..",
                        "io.rhizome.mesh.node.observability..",
                        "io.rhizome.mesh.node.security..",
                        "io.rhizome.mesh.node.discovery..",
                        "io.rhizome.mesh.node.policy..",
                        "io.rhizome.mesh.node.routing..",
                        "io.rhizome.mesh.node.loadbalancing..",
                        "io.rhizome.mesh.node.resilience..",
                        "io.rhizome.mesh.node.health..",
                        "io.rhizome.mesh.node.serialization..")
                .check(NODE);
    }

    @Test
    void securityDoesNotDependOnTheLayersThatUseIt() {
        noClasses()
                .that()
                .resideInAPackage("io.rhizome.mesh.node.security..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.rhizome.mesh.node.proxy..",
                        "io.rhizome.mesh.node.admin..",
                        "io.rhizome.mesh.node.cluster..",
                        "io.rhizome.mesh.node.observability..")
                .check(NODE);
    }

    @Test
    void observabilityDoesNotDependOnTheLayersThatUseIt() {
        noClasses()
                .that()
                .resideInAPackage("io.rhizome.mesh.node.observability..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.rhizome.mesh.node.proxy..",
                        "io.rhizome.mesh.node.admin..",
                        "io.rhizome.mesh.node.cluster..")
                .check(NODE);
    }
}
