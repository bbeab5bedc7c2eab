package dev.raftkv.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Picks loopback ports for local clusters (tests, {@code raftkv chaos}) that stay free across a
 * member's restart.
 *
 * <p>A port obtained from {@code new ServerSocket(0)} lies in the kernel's ephemeral range; once
 * its owner closes it, any outgoing connection may be given it as a local port, and a member that
 * restarts on it fails with "Address already in use". The ports handed out here lie below the
 * ephemeral range (read from {@code /proc/sys/net/ipv4/ip_local_port_range} where it exists), were
 * bindable when chosen, and are never handed out twice by one JVM. Nothing is reserved: another
 * process may still take a port, which is the usual risk of any local test cluster.
 */
public final class LoopbackPorts {
  private static final int LOWEST = 10_000;
  private static final Set<Integer> HANDED_OUT = new HashSet<>();
  private static final Random RANDOM = new Random();

  private LoopbackPorts() {}

  /**
   * Returns {@code count} distinct ports, each bindable on 127.0.0.1 at the time of the call.
   *
   * @throws UncheckedIOException if that many free ports cannot be found
   */
  public static synchronized int[] allocate(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive: " + count);
    }
    int high = ephemeralLow();
    if (high - LOWEST < 1000) {
      high = 32_768;
    }
    int span = high - LOWEST;
    int[] ports = new int[count];
    int found = 0;
    int start = RANDOM.nextInt(span);
    for (int i = 0; i < span && found < count; i++) {
      int port = LOWEST + (start + i) % span;
      if (!HANDED_OUT.contains(port) && bindable(port)) {
        HANDED_OUT.add(port);
        ports[found++] = port;
      }
    }
    if (found < count) {
      throw new UncheckedIOException(
          new IOException(
              "only " + found + " of " + count + " free ports found in " + LOWEST + "-" + high));
    }
    return ports;
  }

  /** Returns one port as {@link #allocate(int)} does. */
  public static int allocate() {
    return allocate(1)[0];
  }

  /**
   * Returns a base port such that {@code base + 1 .. base + count} were all bindable and none was
   * handed out before (the seed configuration format derives a member's port from its id).
   */
  public static synchronized int allocateBase(int count) {
    int high = Math.max(ephemeralLow(), LOWEST + 1000);
    for (int attempt = 0; attempt < 500; attempt++) {
      int base = LOWEST + RANDOM.nextInt(high - LOWEST - count - 1);
      List<Integer> ports = new ArrayList<>();
      for (int i = 1; i <= count; i++) {
        ports.add(base + i);
      }
      if (ports.stream().noneMatch(HANDED_OUT::contains)
          && ports.stream().allMatch(LoopbackPorts::bindable)) {
        HANDED_OUT.addAll(ports);
        return base;
      }
    }
    throw new UncheckedIOException(
        new IOException("no " + count + " consecutive free ports found below " + high));
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException busy) {
      return false;
    }
  }

  private static int ephemeralLow() {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    try {
      if (Files.isReadable(range)) {
        // Files.readString trusts the size procfs reports and can return a truncated line.
        String[] parts = Files.readAllLines(range).get(0).trim().split("\\s+");
        return Integer.parseInt(parts[0]);
      }
    } catch (IOException | RuntimeException unreadable) {
      // fall through to the IANA default
    }
    return 32_768;
  }
}
