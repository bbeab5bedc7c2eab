package dev.raftkv.replicator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON configuration of seed document 000 (the leader-election "Replicator"), and how its
 * fields map onto raftkv:
 *
 * <ul>
 *   <li>{@code selfHandle} ("tcp://127.0.0.1:"): the scheme and host this member listens on;
 *   <li>{@code peersPid} ("1,2,3"): the member ids, this one included;
 *   <li>{@code peersHandle}: the scheme and host of the peers;
 *   <li>{@code startAddress} (5000): member {@code pid} listens on port {@code startAddress + pid};
 *   <li>{@code startMsgId}: the first request id this member uses;
 *   <li>{@code bufSize}: the bound of each per-peer send queue (messages);
 *   <li>{@code "timeOutMin"}, {@code "timeOutRand"} (ms): election timeouts are drawn from {@code
 *       [timeOutMin, timeOutMin + timeOutRand)}; a tick is {@code timeOutMin / 10} ms (at least 1),
 *       and leaders heartbeat every tick.
 * </ul>
 *
 * @param selfHost the host this member listens on
 * @param peersHost the host of the peers
 * @param members every member id
 * @param startAddress the port base
 * @param startMsgId the first request id
 * @param bufSize the per-peer queue bound
 * @param timeOutMinMs the shortest election timeout
 * @param timeOutRandMs the width of the random part of the election timeout
 */
public record SeedConfig(
    String selfHost,
    String peersHost,
    Set<Long> members,
    int startAddress,
    long startMsgId,
    int bufSize,
    int timeOutMinMs,
    int timeOutRandMs) {

  public SeedConfig {
    members = Collections.unmodifiableSet(new TreeSet<>(members));
  }

  /**
   * Reads a seed 000 config file.
   *
   * @throws IllegalArgumentException naming the file and the field that is missing or wrong
   * @throws IOException if the file cannot be read
   */
  public static SeedConfig read(Path file) throws IOException {
    String text = Files.readString(file);
    try {
      return fromJson(SeedJson.parse(text));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Builds a config from parsed JSON; errors name the field. */
  public static SeedConfig fromJson(JsonNode m) {
    if (!m.isObject()) {
      throw new IllegalArgumentException("the config must be a JSON object");
    }
    String selfHandle = string(m, "selfHandle");
    String peersHandle = m.has("peersHandle") ? string(m, "peersHandle") : selfHandle;
    Set<Long> members = new TreeSet<>();
    for (String p : string(m, "peersPid").split(",")) {
      try {
        long id = Long.parseLong(p.trim());
        if (id <= 0) {
          throw new NumberFormatException();
        }
        members.add(id);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "field \"peersPid\": '" + p.trim() + "' is not a positive member id");
      }
    }
    int start = (int) number(m, "startAddress", 1, 65_000);
    long msgId = m.has("startMsgId") ? number(m, "startMsgId", 0, Long.MAX_VALUE) : 0;
    int buf = m.has("bufSize") ? (int) number(m, "bufSize", 1, 1 << 24) : 4096;
    int min = (int) number(m, "timeOutMin", 2, 600_000);
    int rand = m.has("timeOutRand") ? (int) number(m, "timeOutRand", 1, 600_000) : min;
    return new SeedConfig(
        host(selfHandle, "selfHandle"),
        host(peersHandle, "peersHandle"),
        members,
        start,
        msgId,
        buf,
        min,
        rand);
  }

  private static String string(JsonNode m, String field) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("field \"" + field + "\" is missing");
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field \"" + field + "\" must be a string");
    }
    return v.textValue();
  }

  /** A whole number, written as a JSON number or as a string of digits (the seed's files do). */
  private static long number(JsonNode m, String field, long min, long max) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("field \"" + field + "\" is missing");
    }
    long n;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      n = v.longValue();
    } else if (v.isTextual()) {
      try {
        n = Long.parseLong(v.textValue().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("field \"" + field + "\" must be a whole number");
      }
    } else {
      throw new IllegalArgumentException("field \"" + field + "\" must be a whole number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          "field \"" + field + "\" must be in [" + min + ", " + max + "], got " + n);
    }
    return n;
  }

  /** "tcp://127.0.0.1:" to "127.0.0.1". */
  private static String host(String handle, String field) {
    String h = handle.trim();
    if (h.endsWith(":")) {
      h = h.substring(0, h.length() - 1);
    }
    try {
      URI uri = new URI(h.contains("://") ? h : "tcp://" + h);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("field \"" + field + "\": no host in '" + handle + "'");
      }
      return uri.getHost();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("field \"" + field + "\": bad handle '" + handle + "'");
    }
  }

  /** The port member {@code pid} listens on. */
  public int port(long pid) {
    return startAddress + (int) pid;
  }

  /** Every member's peer address, by id. */
  public Map<Long, InetSocketAddress> addresses(long self) {
    Map<Long, InetSocketAddress> out = new TreeMap<>();
    for (long id : members) {
      out.put(id, new InetSocketAddress(id == self ? selfHost : peersHost, port(id)));
    }
    return out;
  }

  /** How long one tick is, in milliseconds. */
  public int tickMs() {
    return Math.max(1, timeOutMinMs / 10);
  }

  /** The election timeout range in ticks: {@code [min, max)}. */
  public List<Integer> electionTicks() {
    int tick = tickMs();
    int min = Math.max(2, timeOutMinMs / tick);
    int max = Math.max(min + 1, (timeOutMinMs + timeOutRandMs) / tick);
    return new ArrayList<>(List.of(min, max));
  }
}
