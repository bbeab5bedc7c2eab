package dev.raftkv.kv;

import java.util.List;

/**
 * What one {@link KvStore#apply} call did.
 *
 * @param appliedIndex the store's applied index afterwards
 * @param revision the store revision afterwards
 * @param skipped true when the raft index had already been applied (e.g. log replay after a
 *     restart): nothing was executed, {@code results} and {@code events} are empty
 * @param results one per op, in order
 * @param events every key change, in revision order (for watchers)
 */
public record ApplyResult(
    long appliedIndex, long revision, boolean skipped, List<OpResult> results, List<Event> events) {
  public ApplyResult {
    results = List.copyOf(results);
    events = List.copyOf(events);
  }
}
