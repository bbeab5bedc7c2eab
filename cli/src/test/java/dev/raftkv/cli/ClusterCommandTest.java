package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterCommandTest {
  @Test
  void theServersJvmOptionsComeFromRaftkvJavaOptsSplitAsTheShellSplitsThem() {
    assertThat(ClusterCommand.javaOptions(null)).isEmpty();
    assertThat(ClusterCommand.javaOptions("  ")).isEmpty();
    assertThat(ClusterCommand.javaOptions(" -Xmx512m  -XX:+UseSerialGC\t-Dx=1 "))
        .containsExactly("-Xmx512m", "-XX:+UseSerialGC", "-Dx=1");
  }
}
