package io.thrume.structure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure of docs/architecture.md ("Code layout"), checked on the compiled main
 * classes (what jdeps reads too): no package of io.thrume depends on itself through others, and
 * the real-time path goes one way: a frame comes in and goes out through {@code transport}, is
 * checked in {@code bridge} and fanned out in {@code fanout}.
 */
class PackageCyclesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.thrume");
  }

  @Test
  void packagesAreFreeOfCycles() {
    // io.thrume.(*).. makes one slice per package under io.thrume; the root package (Main,
    // MainVerticle) is checked by the rule below: nothing may depend on it
    slices().matching("io.thrume.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void nothingDependsOnTheEntryPoint() {
    noClasses().that().resideOutsideOfPackage("io.thrume")
      .should().dependOnClassesThat().resideInAPackage("io.thrume")
      .check(classes);
  }

  @Test
  void theRealTimePathGoesOneWay() {
    noClasses().that().resideInAPackage("io.thrume.transport..")
      .should().dependOnClassesThat().resideInAnyPackage("io.thrume.bridge..", "io.thrume.fanout..")
      .check(classes);
    noClasses().that().resideInAPackage("io.thrume.fanout..")
      .should().dependOnClassesThat().resideInAnyPackage("io.thrume.bridge..", "io.thrume.http..", "io.thrume.edge..")
      .check(classes);
    noClasses().that().resideInAnyPackage("io.thrume.bridge..", "io.thrume.edge..")
      .should().dependOnClassesThat().resideInAPackage("io.thrume.http..")
      .check(classes);
  }

  @Test
  void servicesKnowNoEntryPoint() {
    // the services talk to the edges over the event bus only: none of them knows the HTTP API, the
    // bridge or the sockets (they publish events through fanout.Events)
    noClasses().that().resideInAnyPackage("io.thrume.account..", "io.thrume.auth..", "io.thrume.chat..",
        "io.thrume.presence..", "io.thrume.store..", "io.thrume.limit..")
      .should().dependOnClassesThat().resideInAnyPackage("io.thrume.http..", "io.thrume.edge..", "io.thrume.bridge..",
        "io.thrume.transport..")
      .check(classes);
  }

  @Test
  void metricsDependOnNoServiceOrPath() {
    noClasses().that().resideInAPackage("io.thrume.metrics..")
      .should().dependOnClassesThat().resideInAnyPackage("io.thrume.fanout..", "io.thrume.bridge..",
        "io.thrume.transport..", "io.thrume.http..", "io.thrume.cluster..")
      .check(classes);
  }
}
