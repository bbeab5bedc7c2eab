package dev.raftkv.raft.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every script in {@code src/test/resources/scenarios}: each command's output must equal the
 * text under it. Run with {@code -Draftkv.rewrite=true} to write the actual output back into the
 * files (then read the diff before committing it).
 */
class ScenarioTest {
  private static final Path DIR = Path.of("src/test/resources/scenarios");

  @TestFactory
  Stream<DynamicTest> scenarios() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    assertThat(files).as("scenario files in " + DIR.toAbsolutePath()).isNotEmpty();
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
  }

  private static void run(Path file) throws IOException {
    ScenarioScript script = ScenarioScript.parse(file);
    ScenarioEnv env = new ScenarioEnv();
    if (Boolean.getBoolean("raftkv.rewrite")) {
      Files.writeString(
          file, script.render(step -> env.run(step.command())), StandardCharsets.UTF_8);
      return;
    }
    for (ScenarioScript.Step step : script.steps()) {
      String actual = env.run(step.command());
      assertThat(actual)
          .as("%s:%d: %s", file.getFileName(), step.line(), step.command())
          .isEqualTo(step.expected());
    }
  }
}
