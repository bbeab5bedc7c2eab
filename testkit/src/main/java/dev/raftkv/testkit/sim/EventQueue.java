package dev.raftkv.testkit.sim;

import java.util.PriorityQueue;
import java.util.function.Supplier;

/**
 * Virtual time for a simulation: actions run in time order, ties in the order they were scheduled,
 * so the same seed always replays the same run. Nothing reads the wall clock.
 */
final class EventQueue {
  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final long maxEventsPerMs;
  private long now;
  private long seq;

  /**
   * @param maxEventsPerMs more events than this per virtual millisecond fail the run as a message
   *     storm (a livelock the simulation would otherwise never leave)
   */
  EventQueue(long maxEventsPerMs) {
    this.maxEventsPerMs = maxEventsPerMs;
  }

  long now() {
    return now;
  }

  /**
   * Runs {@code action} {@code delayMs} virtual milliseconds from now (0: after what is due now).
   */
  void at(long delayMs, Runnable action) {
    events.add(new Event(now + Math.max(0, delayMs), seq++, action));
  }

  /**
   * Runs every action due within {@code ms} from now, then sets the clock to that time.
   *
   * @param state describes the simulation for the report of a message storm
   */
  void runFor(long ms, Supplier<String> state) {
    long until = now + ms;
    long budget = maxEventsPerMs * Math.max(1, ms);
    while (!events.isEmpty() && events.peek().time() <= until) {
      Event e = events.poll();
      now = e.time();
      e.action().run();
      if (--budget < 0) {
        throw new InvariantViolation(
            "Bounded work",
            "more than "
                + maxEventsPerMs
                + " events per virtual ms: a message storm\n"
                + state.get());
      }
    }
    now = until;
  }
}
