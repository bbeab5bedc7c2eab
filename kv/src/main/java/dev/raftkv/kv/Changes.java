package dev.raftkv.kv;

import java.util.List;

/**
 * A slice of the change history, read by {@link KvStore#changes}: what a watcher that fell behind
 * replays.
 *
 * @param events the changes, in revision order; a revision is never split across two slices
 * @param nextRevision where the next slice starts ({@code revision + 1} when caught up)
 * @param revision the store revision the slice was read at
 */
public record Changes(List<Event> events, long nextRevision, long revision) {
  public Changes {
    events = List.copyOf(events);
  }

  /** Whether the slice reaches the current revision. */
  public boolean caughtUp() {
    return nextRevision > revision;
  }
}
