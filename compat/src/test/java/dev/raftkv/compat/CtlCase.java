package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One etcdctl command run against both clusters, with the same arguments and stdin; exit code,
 * stdout and stderr must be equal after normalization. Arguments may name captured values as {@code
 * {name}}. Built fluently: {@code ctl("get", "a/", "--prefix").unordered()}.
 */
final class CtlCase implements Step {
  /** Which endpoints etcdctl is given. */
  private enum Target {
    ALL,
    MEMBER,
    LEADER,
    FOLLOWER
  }

  private record Capture(String variable, Pattern pattern, boolean id, long add) {}

  private final List<String> args;
  private String stdin = "";
  private Target target = Target.ALL;
  private int member;
  private UnaryOperator<String> post = UnaryOperator.identity();
  private final List<Capture> captures = new ArrayList<>();

  private CtlCase(List<String> args) {
    this.args = List.copyOf(args);
  }

  /** {@code etcdctl --endpoints=<every member> args...}. */
  static CtlCase ctl(String... args) {
    return new CtlCase(List.of(args));
  }

  /** With {@code input} on stdin (txn). */
  CtlCase stdin(String input) {
    this.stdin = input;
    return this;
  }

  /** Against the member at {@code index} (0-based) only (snapshot save wants one endpoint). */
  CtlCase on(int index) {
    this.target = Target.MEMBER;
    this.member = index;
    return this;
  }

  /** Against the leader only. */
  CtlCase onLeader() {
    this.target = Target.LEADER;
    return this;
  }

  /** Against one follower only (a follower forwards lease calls to the leader, as etcd's do). */
  CtlCase onFollower() {
    this.target = Target.FOLLOWER;
    return this;
  }

  /** Lines compared as a sorted list (output in completion order, or sorted by random ids). */
  CtlCase unordered() {
    post = OutputNormalizer::sortLines;
    return this;
  }

  /**
   * Keys that end in a session's lease id in hex ({@code NAME/694d7a4b1c4e2c0b}, printed by {@code
   * elect}) masked: the lease is granted inside etcdctl, so it cannot be captured.
   */
  CtlCase maskSessionKeys() {
    post = post.andThen(s -> s.replaceAll("(?m)^(\\S+)/[0-9a-f]+$", "$1/<session lease>"))::apply;
    return this;
  }

  /**
   * The decimal member ids {@code etcdctl alarm list|disarm} and the status errors print ({@code
   * memberID:<n>}) masked: each side's member ids are its own. Call after {@link #unordered} and
   * the like, which replace what was set before them.
   */
  CtlCase maskAlarmMemberIds() {
    post = post.andThen(s -> s.replaceAll("memberID:\\d+", "memberID:<member id>"))::apply;
    return this;
  }

  /**
   * Repeated lines compared once: etcd raises a quota's NOSPACE alarm on every member whose own
   * database crossed it by the time the first alarm is applied (a race), so after masking its
   * member ids its {@code alarm list} may repeat a line a varying number of times.
   */
  CtlCase distinctLines() {
    post =
        post.andThen(s -> s.lines().distinct().map(l -> l + "\n").reduce("", String::concat))
            ::apply;
    return this;
  }

  /** The keys of a lease compared sorted (etcd lists them in random order). */
  CtlCase unorderedLeaseKeys() {
    post = OutputNormalizer::sortLeaseKeys;
    return this;
  }

  /** A one-line JSON array compared with its elements sorted (completion order). */
  CtlCase unorderedJsonArray() {
    post = OutputNormalizer::sortFlatJsonArray;
    return this;
  }

  /** Group 1 of {@code regex} in stdout becomes id {@code variable} (masked in later output). */
  CtlCase captureId(String variable, String regex) {
    captures.add(new Capture(variable, Pattern.compile(regex), true, 0));
    return this;
  }

  /** Group 1 of {@code regex} in stdout, a number, plus {@code add}, becomes {@code variable}. */
  CtlCase captureNumber(String variable, String regex, long add) {
    captures.add(new Capture(variable, Pattern.compile(regex), false, add));
    return this;
  }

  @Override
  public String name() {
    String where =
        switch (target) {
          case ALL -> "";
          case MEMBER -> " [member " + (member + 1) + " only]";
          case LEADER -> " [leader only]";
          case FOLLOWER -> " [a follower only]";
        };
    return "etcdctl "
        + String.join(" ", args)
        + (stdin.isEmpty() ? "" : " <<< " + stdin.replace("\n", "\\n"))
        + where;
  }

  /** Starts the command in the background on one side (watch); captures do not apply. */
  Etcdctl.Running startOn(ClusterSide side) throws Exception {
    return etcdctlFor(side).start(substituted(side));
  }

  private Etcdctl etcdctlFor(ClusterSide side) throws Exception {
    return switch (target) {
      case ALL -> side.all();
      case MEMBER -> side.member(member);
      case LEADER -> {
        int leader = side.leaderIndex();
        if (leader < 0) {
          throw new AssertionError(side + " has no leader for " + name());
        }
        yield side.member(leader);
      }
      case FOLLOWER -> {
        int leader = side.leaderIndex();
        if (leader < 0) {
          throw new AssertionError(side + " has no leader for " + name());
        }
        yield side.member(leader == 0 ? 1 : 0);
      }
    };
  }

  private String[] substituted(ClusterSide side) {
    List<String> actual = new ArrayList<>();
    for (String a : args) {
      actual.add(side.substitute(a));
    }
    return actual.toArray(String[]::new);
  }

  /** Runs the command on one side; returns its raw result. */
  Etcdctl.Result runOn(ClusterSide side) throws Exception {
    Etcdctl.Result r = etcdctlFor(side).runWithInput(stdin, substituted(side));
    for (Capture c : captures) {
      Matcher m = c.pattern().matcher(r.stdout());
      if (!m.find()) {
        throw new AssertionError(
            side + ": " + c.pattern() + " not found (for " + c.variable() + ") in " + r.all());
      }
      if (c.id()) {
        side.ids.put(c.variable(), m.group(1));
      } else {
        side.args.put(c.variable(), Long.toString(Long.parseLong(m.group(1)) + c.add()));
      }
    }
    return r;
  }

  /** What this case does to normalized output before comparing (sorting, masks); else as is. */
  String postProcess(String normalized) {
    return post.apply(normalized);
  }

  /** The normalized form of one side's result, as compared. */
  String normalized(ClusterSide side, Etcdctl.Result r) {
    return "exit "
        + r.exitCode()
        + "\n--- stdout\n"
        + post.apply(side.normalizer.normalize(r.stdout()))
        + "--- stderr\n"
        + post.apply(side.normalizer.normalize(r.stderr()));
  }

  @Override
  public void run(ClusterSide expected, ClusterSide actual) throws Exception {
    Etcdctl.Result want = runOn(expected);
    Etcdctl.Result got = runOn(actual);
    compare(name(), expected, want, actual, got, this::normalized);
  }

  /** Asserts the normalized results are equal, showing both (normalized and raw) if not. */
  static void compare(
      String what,
      ClusterSide expected,
      Etcdctl.Result want,
      ClusterSide actual,
      Etcdctl.Result got,
      java.util.function.BiFunction<ClusterSide, Etcdctl.Result, String> normalize) {
    String w = normalize.apply(expected, want);
    String g = normalize.apply(actual, got);
    assertThat(g)
        .as(
            "%s%n=== expected (from %s, normalized)%n%s%n=== got (from %s, normalized)%n%s%n"
                + "=== raw from %s%n%s%n=== raw from %s%n%s%n",
            what, expected, w, actual, g, expected, want.all(), actual, got.all())
        .isEqualTo(w);
  }
}
