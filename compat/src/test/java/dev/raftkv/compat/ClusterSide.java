package dev.raftkv.compat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of the two clusters a compatibility suite compares (real etcd or raftkv), as etcdctl sees it:
 * its endpoints, the values captured from earlier output (ids in {@link #ids}, masked when output
 * is compared; plain arguments in {@link #args}, not masked), and how its output is normalized.
 */
final class ClusterSide {
  private static final Pattern STATUS_ENTRY =
      Pattern.compile(
          "\"Endpoint\":\"([^\"]+)\",\"Status\":\\{\"header\":\\{\"cluster_id\":\\d+,\"member_id\":(\\d+)"
              + ".*?\"leader\":(\\d+)");
  private static final Pattern MEMBER = Pattern.compile("\"ID\":(\\d+),\"name\":\"([^\"]+)\"");

  final String name;
  final List<String> clientEndpoints;
  final List<String> memberNames;
  final Path scratch;

  /** Captured ids (lease, member, paths): substituted into arguments and masked in output. */
  final Map<String, String> ids = new LinkedHashMap<>();

  /** Captured plain values (revisions): substituted into arguments only. */
  final Map<String, String> args = new LinkedHashMap<>();

  final OutputNormalizer normalizer;

  /** Flags every etcdctl run of this side gets (TLS: --cacert, --cert, --key). */
  private final List<String> etcdctlFlags;

  ClusterSide(
      String name,
      List<String> clientEndpoints,
      List<String> peerEndpoints,
      List<String> memberNames,
      Path scratch) {
    this(name, clientEndpoints, peerEndpoints, memberNames, scratch, List.of(), "http");
  }

  /**
   * A side whose etcdctl runs get {@code etcdctlFlags} and whose peers are reached with {@code
   * peerScheme} ({@code http} or {@code https}: the {@code {peerN}} arguments of member commands).
   */
  ClusterSide(
      String name,
      List<String> clientEndpoints,
      List<String> peerEndpoints,
      List<String> memberNames,
      Path scratch,
      List<String> etcdctlFlags,
      String peerScheme) {
    this.name = name;
    this.etcdctlFlags = List.copyOf(etcdctlFlags);
    this.clientEndpoints = List.copyOf(clientEndpoints);
    this.memberNames = List.copyOf(memberNames);
    this.scratch = scratch;
    this.normalizer = new OutputNormalizer(clientEndpoints, peerEndpoints, memberNames, ids);
    ids.put("dir", scratch.toString());
    for (int i = 0; i < peerEndpoints.size(); i++) {
      args.put("peer" + (i + 1), peerScheme + "://" + peerEndpoints.get(i));
    }
  }

  /** etcdctl against every endpoint. */
  Etcdctl all() {
    return new Etcdctl(String.join(",", clientEndpoints), etcdctlFlags);
  }

  /** etcdctl against the member at {@code index} only. */
  Etcdctl member(int index) {
    return new Etcdctl(clientEndpoints.get(index), etcdctlFlags);
  }

  /** {@code {name}} in {@code arg} replaced by the captured value of that name. */
  String substitute(String arg) {
    String s = arg;
    for (Map<String, String> vars : List.of(ids, args)) {
      for (Map.Entry<String, String> v : vars.entrySet()) {
        s = s.replace("{" + v.getKey() + "}", v.getValue());
      }
    }
    if (s.matches(".*\\{[a-z0-9]+\\}.*")) {
      throw new IllegalStateException(name + ": nothing captured for a variable in " + arg);
    }
    return s;
  }

  /**
   * Captures {@code member1}, {@code member2}, ... (hex ids, as etcdctl prints them) in member
   * order, from {@code member list -w json}.
   */
  void captureMemberIds() throws IOException, InterruptedException {
    Etcdctl.Result r = all().run("member", "list", "-w", "json");
    Matcher m = MEMBER.matcher(r.stdout());
    Map<String, String> byName = new LinkedHashMap<>();
    while (m.find()) {
      byName.put(m.group(2), Long.toHexString(Long.parseUnsignedLong(m.group(1))));
    }
    for (int i = 0; i < memberNames.size(); i++) {
      String id = byName.get(memberNames.get(i));
      if (id == null) {
        throw new AssertionError(name + ": member " + memberNames.get(i) + " not in " + r.all());
      }
      ids.put("member" + (i + 1), id);
    }
  }

  /** The index of the member that leads, by {@code endpoint status -w json}; -1 if none. */
  int leaderIndex() throws IOException, InterruptedException {
    Etcdctl.Result r = all().run("endpoint", "status", "-w", "json");
    Matcher m = STATUS_ENTRY.matcher(r.stdout());
    while (m.find()) {
      if (m.group(2).equals(m.group(3))) {
        return clientEndpoints.indexOf(m.group(1));
      }
    }
    return -1;
  }

  /** Makes the member at {@code index} the leader (move-leader), waiting up to 20 s. */
  void makeLeader(int index) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    List<String> tried = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      int leader = leaderIndex();
      if (leader == index) {
        return;
      }
      if (leader >= 0) {
        Etcdctl.Result r = all().run("move-leader", ids.get("member" + (index + 1)));
        tried.add(r.all());
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + ": member " + (index + 1) + " did not become leader: " + tried);
  }

  @Override
  public String toString() {
    return name;
  }
}
