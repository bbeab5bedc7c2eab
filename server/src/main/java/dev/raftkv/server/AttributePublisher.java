package dev.raftkv.server;

import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Member;
import dev.raftkv.kv.MemberPublishRequest;
import dev.raftkv.runtime.Applied;
import dev.raftkv.runtime.RaftRuntime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes this member's name and client URLs through the log once it runs (etcd's {@code
 * publish}), so every member lists them and followers can reach the leader's client URL. It checks
 * every {@link #INTERVAL} until the replicated member shows this member's attributes: a proposal
 * can be lost with a leader change, and a joining member must first apply its own addition.
 */
final class AttributePublisher implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofMillis(200);

  private final long self;
  private final String name;
  private final List<String> clientUrls;
  private final RaftRuntime runtime;
  private final KvStateMachine kv;
  private final Duration timeout;
  private ScheduledFuture<?> task;
  private CompletableFuture<Long> inFlight = CompletableFuture.completedFuture(0L);

  AttributePublisher(
      long self,
      String name,
      List<String> clientUrls,
      RaftRuntime runtime,
      KvStateMachine kv,
      Duration timeout) {
    this.self = self;
    this.name = name;
    this.clientUrls = List.copyOf(clientUrls);
    this.runtime = runtime;
    this.kv = kv;
    this.timeout = timeout;
  }

  /** Starts checking on {@code scheduler}. */
  synchronized void start(ScheduledExecutorService scheduler) {
    task =
        scheduler.scheduleWithFixedDelay(
            this::check, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the replicated state shows this member's current name and client URLs. */
  boolean published() {
    Member m = kv.store().member(self);
    return m != null && m.name().equals(name) && m.clientUrls().equals(clientUrls);
  }

  private synchronized void check() {
    try {
      if (published()) {
        task.cancel(false);
        return;
      }
      if (kv.store().member(self) == null || runtime.status().noLeader() || !inFlight.isDone()) {
        return;
      }
      inFlight =
          runtime
              .propose(KvCommands.encode(new MemberPublishRequest(self, name, clientUrls)))
              .thenApply(Applied::index)
              .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .exceptionally(e -> 0L);
    } catch (RuntimeException e) {
      // The runtime stopped, or the store closed: nothing left to publish to.
      task.cancel(false);
    }
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
