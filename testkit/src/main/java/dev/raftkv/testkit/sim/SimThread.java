package dev.raftkv.testkit.sim;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * A thread of a simulated process (the apply thread, the snapshot thread) as an {@link Executor}:
 * tasks run one at a time in submission order, each after a seeded delay of virtual time, so the
 * node loop runs ahead of it as it does on real threads. Once the process is dead, queued and later
 * tasks are dropped (a crash loses them).
 */
final class SimThread implements Executor {
  private final String name;
  private final EventQueue events;
  private final IntSupplier delayMs;
  private final BooleanSupplier alive;
  private final Runnable afterEach;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean scheduled;

  /**
   * @param name names the thread in failure reports
   * @param delayMs the virtual time before each task runs (drawn per task)
   * @param alive whether the process still lives
   * @param afterEach runs after each task (to let the node loop run what the task queued)
   */
  SimThread(
      String name,
      EventQueue events,
      IntSupplier delayMs,
      BooleanSupplier alive,
      Runnable afterEach) {
    this.name = name;
    this.events = events;
    this.delayMs = delayMs;
    this.alive = alive;
    this.afterEach = afterEach;
  }

  @Override
  public void execute(Runnable task) {
    if (alive.getAsBoolean()) {
      queue.add(task);
      schedule();
    }
  }

  /** Drops what is queued (the process died). */
  void discard() {
    queue.clear();
  }

  private void schedule() {
    if (!scheduled) {
      scheduled = true;
      events.at(delayMs.getAsInt(), this::runNext);
    }
  }

  private void runNext() {
    scheduled = false;
    if (!alive.getAsBoolean() || queue.isEmpty()) {
      return;
    }
    Runnable task = queue.poll();
    try {
      task.run();
    } catch (InvariantViolation e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvariantViolation("No failure on the " + name, e.toString(), e);
    }
    if (!queue.isEmpty()) {
      schedule();
    }
    afterEach.run();
  }
}
