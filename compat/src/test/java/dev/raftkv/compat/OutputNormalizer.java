package dev.raftkv.compat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes what etcdctl printed against one cluster comparable with what it printed against the other,
 * by masking only what may legitimately differ: cluster and member ids, lease ids (as named
 * variables), client and peer endpoints, member names, raft term and index, server version, db
 * size, durations, the remaining TTL of a lease, and the timestamps and client ids of etcdctl's own
 * log lines. Revisions, keys, values, versions of keys, counts, flags and error messages are left
 * as they are. Tables are compared cell by cell (column widths follow the masked values).
 */
final class OutputNormalizer {
  /** Table columns (etcdctl's headers) whose cells are masked. */
  private static final Set<String> MASKED_COLUMNS =
      Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "TOOK");

  private static final Pattern JSON_NUMBERS =
      Pattern.compile(
          "\"(cluster_id|member_id|raft_term|raftIndex|raftTerm|raftAppliedIndex|dbSize"
              + "|dbSizeInUse|ttl)\":\\d+");
  private static final Pattern JSON_VERSION = Pattern.compile("\"version\":\"[^\"]*\"");
  private static final Pattern JSON_TOOK = Pattern.compile("\"took\":(\"[^\"]*\"|[0-9.e-]+)");
  private static final Pattern LOG_NOISE =
      Pattern.compile("\"(ts|target|size)\":(\"[^\"]*\"|[0-9.e+-]+)");
  private static final Pattern TOOK = Pattern.compile("took = [0-9.]+[a-zµ]+");
  private static final Pattern REMAINING = Pattern.compile("remaining\\(\\d+s\\)");
  private static final Pattern CLUSTER_ID =
      Pattern.compile("(added to|updated in|removed from|promoted in) cluster +[0-9a-f]+");

  /**
   * etcdctl prints member ids with {@code %16x}: an id with a leading zero nibble gets a padding
   * space ("Member 580de42fb0dc3c5 added"). Ids are random, so the padding is too.
   */
  private static final Pattern MEMBER_ID =
      Pattern.compile("Member +(\\S+) (added to|updated in|removed from|promoted in) cluster");

  private static final Pattern INITIAL_CLUSTER =
      Pattern.compile("ETCD_INITIAL_CLUSTER=\"([^\"]*)\"");
  private static final Pattern TABLE_BORDER = Pattern.compile("^\\+[-+]+\\+$");

  private final List<String> clientEndpoints;
  private final List<String> peerEndpoints;
  private final List<String> memberNames;
  private final Map<String, String> variables;

  /**
   * @param variables named values captured from earlier output (lease and member ids, as printed in
   *     hex); read at each call, so later captures count
   */
  OutputNormalizer(
      List<String> clientEndpoints,
      List<String> peerEndpoints,
      List<String> memberNames,
      Map<String, String> variables) {
    this.clientEndpoints = clientEndpoints;
    this.peerEndpoints = peerEndpoints;
    this.memberNames = memberNames;
    this.variables = variables;
  }

  /** The masked form of {@code text} (stdout or stderr of one run). */
  String normalize(String text) {
    String s = text;
    s = JSON_NUMBERS.matcher(s).replaceAll("\"$1\":<n>");
    s = JSON_VERSION.matcher(s).replaceAll("\"version\":<version>");
    s = JSON_TOOK.matcher(s).replaceAll("\"took\":<took>");
    s = LOG_NOISE.matcher(s).replaceAll("\"$1\":<$1>");
    s = TOOK.matcher(s).replaceAll("took = <took>");
    s = REMAINING.matcher(s).replaceAll("remaining(<ttl>s)");
    s = CLUSTER_ID.matcher(s).replaceAll("$1 cluster <cluster id>");
    s = replaceVariables(s);
    s = MEMBER_ID.matcher(s).replaceAll("Member $1 $2 cluster");
    for (int i = 0; i < clientEndpoints.size(); i++) {
      s = replaceWord(s, "http://" + clientEndpoints.get(i), "<client " + (i + 1) + ">");
      s = replaceWord(s, clientEndpoints.get(i), "<client " + (i + 1) + ">");
    }
    for (int i = 0; i < peerEndpoints.size(); i++) {
      s = replaceWord(s, "http://" + peerEndpoints.get(i), "<peer " + (i + 1) + ">");
      s = replaceWord(s, peerEndpoints.get(i), "<peer " + (i + 1) + ">");
    }
    for (int i = 0; i < memberNames.size(); i++) {
      s = replaceWord(s, memberNames.get(i), "<name " + (i + 1) + ">");
    }
    return tables(sortInitialCluster(s));
  }

  /** member add's ETCD_INITIAL_CLUSTER lists members in id order; ids are random, so sort it. */
  private static String sortInitialCluster(String text) {
    Matcher m = INITIAL_CLUSTER.matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      List<String> members = new ArrayList<>(List.of(m.group(1).split(",")));
      members.sort(Comparator.naturalOrder());
      m.appendReplacement(
          b,
          Matcher.quoteReplacement("ETCD_INITIAL_CLUSTER=\"" + String.join(",", members) + "\""));
    }
    m.appendTail(b);
    return b.toString();
  }

  /**
   * The keys a lease lists ({@code attached keys([...])} and JSON {@code "keys":[...]}) sorted:
   * etcd lists them in Go map order, which is random.
   */
  static String sortLeaseKeys(String text) {
    Matcher m = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)").matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      List<String> keys = new ArrayList<>(List.of(m.group(1).split(" ")));
      keys.sort(Comparator.naturalOrder());
      m.appendReplacement(
          b, Matcher.quoteReplacement("attached keys([" + String.join(" ", keys) + "])"));
    }
    m.appendTail(b);
    Matcher j = Pattern.compile("\"keys\":\\[([^\\]]*)\\]").matcher(b.toString());
    StringBuilder c = new StringBuilder();
    while (j.find()) {
      List<String> keys = new ArrayList<>(List.of(j.group(1).split(",")));
      keys.sort(Comparator.naturalOrder());
      j.appendReplacement(c, Matcher.quoteReplacement("\"keys\":[" + String.join(",", keys) + "]"));
    }
    j.appendTail(c);
    return c.toString();
  }

  /** Lines sorted, for commands that print in completion order (endpoint health). */
  static String sortLines(String text) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    boolean endsWithNewline = !lines.isEmpty() && lines.get(lines.size() - 1).isEmpty();
    if (endsWithNewline) {
      lines.remove(lines.size() - 1);
    }
    lines.sort(Comparator.naturalOrder());
    return String.join("\n", lines) + (endsWithNewline ? "\n" : "");
  }

  /**
   * The elements of a one-line JSON array of flat objects ({@code [{...},{...}]}) sorted, for
   * commands that print in completion order.
   */
  static String sortFlatJsonArray(String text) {
    String t = text.strip();
    if (!t.startsWith("[{") || !t.endsWith("}]")) {
      return text;
    }
    List<String> items =
        new ArrayList<>(List.of(t.substring(2, t.length() - 2).split("\\},\\{", -1)));
    items.sort(Comparator.naturalOrder());
    return "[{" + String.join("},{", items) + "}]\n";
  }

  private String replaceVariables(String s) {
    List<Map.Entry<String, String>> vars = new ArrayList<>(variables.entrySet());
    vars.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> -e.getValue().length()));
    for (Map.Entry<String, String> v : vars) {
      String placeholder = "<" + v.getKey() + ">";
      s = replaceWord(s, v.getValue(), placeholder);
      try {
        // JSON prints ids in decimal; masked only where a field holds an id, so that a small
        // raftkv lease id cannot mask a revision that happens to be equal
        String decimal = Long.toUnsignedString(Long.parseUnsignedLong(v.getValue(), 16));
        s =
            Pattern.compile("\"(id|ID|leader)\":" + decimal + "(?!\\d)")
                .matcher(s)
                .replaceAll("\"$1\":" + Matcher.quoteReplacement(placeholder));
      } catch (NumberFormatException notHex) {
        // only a hex id has a decimal form too
      }
    }
    return s;
  }

  /** Replaces {@code word} where it is not part of a longer word, number or host name. */
  private static String replaceWord(String s, String word, String with) {
    return Pattern.compile("(?<![\\w.:-])" + Pattern.quote(word) + "(?![\\w.:-]*\\w)")
        .matcher(s)
        .replaceAll(Matcher.quoteReplacement(with));
  }

  /** Trims table cells, masks the cells of {@link #MASKED_COLUMNS}, collapses borders. */
  private static String tables(String s) {
    String[] lines = s.split("\n", -1);
    List<String> header = null;
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (TABLE_BORDER.matcher(line).matches()) {
        line = "+-+";
      } else if (line.startsWith("|") && line.endsWith("|") && line.length() > 1) {
        String[] raw = line.substring(1, line.length() - 1).split("\\|", -1);
        List<String> cells = new ArrayList<>();
        for (String c : raw) {
          cells.add(c.strip());
        }
        if (header == null) {
          header = cells;
        } else {
          for (int c = 0; c < cells.size() && c < header.size(); c++) {
            if (MASKED_COLUMNS.contains(header.get(c))) {
              cells.set(c, "<" + header.get(c).toLowerCase(java.util.Locale.ROOT) + ">");
            }
          }
        }
        line = "| " + String.join(" | ", cells) + " |";
      } else if (!line.startsWith("+")) {
        header = null;
      }
      out.append(line);
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }
}
