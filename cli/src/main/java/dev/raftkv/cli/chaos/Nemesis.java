package dev.raftkv.cli.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Injects faults into a {@link LocalCluster} on a schedule drawn from a seed: a quiet spell of 1-3
 * s, then a fault of a random enabled kind held for 2-5 s, then its heal, and again, until stopped.
 * One fault at a time, so every fault is healed before the next begins. The seed fixes the kinds,
 * the random targets and the timings; which member leads when a leader-targeting fault fires
 * depends on the run.
 *
 * <p>Runs on its own thread ({@link #run()}); {@link #stop()} ends it, healing the fault in force.
 * It is not interrupted: a kill or SIGCONT cut short by an interrupt would leave the cluster in a
 * state nobody recorded.
 */
final class Nemesis implements Runnable {
  private final LocalCluster cluster;
  private final MemberChannels channels;
  private final Random random;
  private final List<FaultKind> kinds;
  private final PrintStream log;
  private final long startNanos;
  private final Map<FaultKind, Integer> injected = new EnumMap<>(FaultKind.class);
  private final List<String> problems = new ArrayList<>();
  private final List<FaultWindow> windows = new ArrayList<>();
  private volatile boolean stopped;
  private volatile Thread thread;

  Nemesis(
      LocalCluster cluster,
      MemberChannels channels,
      long seed,
      Iterable<FaultKind> kinds,
      PrintStream log,
      long startNanos) {
    this.cluster = cluster;
    this.channels = channels;
    this.random = new Random(seed);
    this.kinds = new ArrayList<>(new TreeSet<>(toList(kinds)));
    this.log = log;
    this.startNanos = startNanos;
  }

  private static List<FaultKind> toList(Iterable<FaultKind> kinds) {
    List<FaultKind> l = new ArrayList<>();
    kinds.forEach(l::add);
    return l;
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    if (kinds.isEmpty()) {
      return;
    }
    while (!stopped) {
      if (!pause(1000 + random.nextInt(2000))) {
        return;
      }
      FaultKind kind = kinds.get(random.nextInt(kinds.size()));
      long holdMillis = 2000L + random.nextInt(3000);
      Fault fault = create(kind);
      long injectedAt = System.nanoTime();
      String what = kind.cliName();
      try {
        what = fault.inject();
        synchronized (this) {
          injected.merge(kind, 1, Integer::sum);
        }
        say(what);
        pause(holdMillis);
      } catch (Exception e) {
        problem(kind + ": " + e);
      } finally {
        synchronized (this) {
          windows.add(new FaultWindow(what, fault.cutOff(), injectedAt, System.nanoTime()));
        }
        try {
          fault.heal();
          say("heal " + kind.cliName());
        } catch (Exception e) {
          problem("healing " + kind + ": " + e);
        }
      }
    }
  }

  /**
   * Ends {@link #run()} soon (within about 50 ms of a wait, or after the inject or heal under way,
   * which are never interrupted half done), healing the fault in force; waits for it.
   */
  void stop() throws InterruptedException {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      t.join(60_000);
    }
  }

  /** How many faults of each kind were injected so far. */
  synchronized Map<FaultKind, Integer> injected() {
    return new EnumMap<>(injected);
  }

  /** Every fault injected so far, with when it lasted and whom it cut off. */
  synchronized List<FaultWindow> windows() {
    return new ArrayList<>(windows);
  }

  /**
   * Faults that could not be injected or healed; the run reports them and fails, since its checks
   * cannot be trusted after them.
   */
  synchronized List<String> problems() {
    return new ArrayList<>(problems);
  }

  private Fault create(FaultKind kind) {
    int any = 1 + random.nextInt(cluster.size());
    int other = 1 + random.nextInt(cluster.size());
    switch (kind) {
      case KILL -> {
        return new ProcessFault(cluster, channels, any, true, "random");
      }
      case KILL_LEADER -> {
        return new ProcessFault(cluster, channels, leaderOr(any), true, role());
      }
      case PAUSE -> {
        return new ProcessFault(cluster, channels, any, false, "random");
      }
      case PAUSE_LEADER -> {
        return new ProcessFault(cluster, channels, leaderOr(any), false, role());
      }
      case ISOLATE -> {
        return PartitionFault.isolate(cluster, any, "random");
      }
      case ISOLATE_LEADER -> {
        return PartitionFault.isolate(cluster, leaderOr(any), role());
      }
      case SPLIT -> {
        return PartitionFault.split(cluster, random);
      }
      case BRIDGE -> {
        return PartitionFault.bridge(cluster, random);
      }
      case RING -> {
        return PartitionFault.ring(cluster, random);
      }
      case TRANSFER_LEADER -> {
        int leader = cluster.claimedLeader();
        int target = other == leader ? 1 + other % cluster.size() : other;
        return new TransferFault(cluster, channels, leader, target);
      }
      case MEMBERSHIP -> {
        return new MembershipFault(
            cluster, channels, any, any == other ? 1 + any % cluster.size() : other);
      }
      default -> throw new IllegalStateException("no fault for " + kind);
    }
  }

  private int lastLeader;

  /** The member that claims to lead, or {@code fallback} when none does. */
  private int leaderOr(int fallback) {
    lastLeader = cluster.claimedLeader();
    return lastLeader == 0 ? fallback : lastLeader;
  }

  private String role() {
    return lastLeader == 0 ? "no leader known, random" : "leader";
  }

  /** Sleeps in steps of at most 50 ms; false as soon as stopped. */
  private boolean pause(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    try {
      while (!stopped) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000L)));
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void say(String what) {
    log.printf(Locale.ROOT, "[%7.1fs] nemesis: %s%n", (System.nanoTime() - startNanos) / 1e9, what);
  }

  private synchronized void problem(String what) {
    problems.add(what);
    say("problem: " + what);
  }
}
