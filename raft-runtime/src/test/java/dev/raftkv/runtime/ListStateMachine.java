package dev.raftkv.runtime;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A state machine that keeps the payloads it applied, in order. Thread-safe for readers. */
final class ListStateMachine implements StateMachine {
  private final List<String> values = new ArrayList<>();
  private long applied;

  /** A payload whose apply fails as a full disk would (null: none). */
  private volatile String failOn;

  /** Makes the apply of a batch holding {@code value} throw, as a write to a full disk does. */
  void failOn(String value) {
    failOn = value;
  }

  @Override
  public synchronized List<?> apply(List<Entry> entries) {
    for (Entry e : entries) {
      if (failOn != null && failOn.equals(new String(e.data(), StandardCharsets.UTF_8))) {
        throw new java.io.UncheckedIOException(
            new java.io.IOException("test: No space left on device"));
      }
    }
    for (Entry e : entries) {
      if (e.index() <= applied) {
        throw new AssertionError("entry " + e.index() + " applied twice (applied " + applied + ")");
      }
      if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        values.add(new String(e.data(), StandardCharsets.UTF_8));
      }
      applied = e.index();
    }
    return java.util.Collections.nCopies(entries.size(), null);
  }

  @Override
  public synchronized long appliedIndex() {
    return applied;
  }

  @Override
  public synchronized byte[] snapshot() {
    return String.join("\n", values).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void restore(Snapshot snapshot) {
    values.clear();
    String s = new String(snapshot.data(), StandardCharsets.UTF_8);
    if (!s.isEmpty()) {
      values.addAll(Arrays.asList(s.split("\n")));
    }
    applied = snapshot.metadata().index();
  }

  synchronized List<String> values() {
    return List.copyOf(values);
  }
}
