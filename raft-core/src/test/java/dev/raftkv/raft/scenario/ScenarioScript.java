package dev.raftkv.raft.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A scenario file: commands, each followed by a line {@code ----} and the output it is expected to
 * print, ending at a blank line. Lines starting with {@code #} between commands are comments and
 * are kept when the file is rewritten.
 *
 * <pre>
 * # a comment
 * campaign 1
 * ----
 * 1: FOLLOWER -> PRE_CANDIDATE term=0 leader=0
 * </pre>
 */
public final class ScenarioScript {
  /** One command with the comment lines before it and its expected output. */
  public record Step(List<String> comments, String command, String expected, int line) {}

  private final Path path;
  private final List<Step> steps;

  private ScenarioScript(Path path, List<Step> steps) {
    this.path = path;
    this.steps = steps;
  }

  /**
   * Parses a scenario file.
   *
   * @throws IllegalArgumentException naming the file and line if a command lacks its {@code ----}
   */
  public static ScenarioScript parse(Path path) throws IOException {
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    List<Step> steps = new ArrayList<>();
    List<String> comments = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank()) {
        i++;
        continue;
      }
      if (line.startsWith("#")) {
        comments.add(line);
        i++;
        continue;
      }
      int commandLine = i + 1;
      if (i + 1 >= lines.size() || !lines.get(i + 1).equals("----")) {
        throw new IllegalArgumentException(
            path + ":" + commandLine + ": command '" + line + "' is not followed by a ---- line");
      }
      i += 2;
      StringBuilder expected = new StringBuilder();
      while (i < lines.size() && !lines.get(i).isEmpty()) {
        expected.append(lines.get(i)).append('\n');
        i++;
      }
      steps.add(new Step(List.copyOf(comments), line.strip(), expected.toString(), commandLine));
      comments.clear();
    }
    return new ScenarioScript(path, steps);
  }

  public Path path() {
    return path;
  }

  public List<Step> steps() {
    return steps;
  }

  /** Renders the script with each step's output replaced by what {@code run} returns. */
  public String render(Function<Step, String> run) {
    StringBuilder sb = new StringBuilder();
    for (Step s : steps) {
      for (String c : s.comments()) {
        sb.append(c).append('\n');
      }
      sb.append(s.command()).append("\n----\n").append(run.apply(s)).append('\n');
    }
    return sb.toString();
  }
}
