package dev.raftkv.kv;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.SnapshotSink;
import dev.raftkv.runtime.SnapshotSource;
import dev.raftkv.runtime.StateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The {@link KvStore} as a Raft {@link StateMachine}: each log entry carries one command ({@link
 * KvCommands}); a batch of committed entries is applied in one RocksDB write batch with the applied
 * index. A snapshot is a RocksDB checkpoint kept beside the store, of which the runtime stores only
 * a reference ({@link #captureSnapshot}); a follower is sent its files in a packed form (file
 * names, lengths and contents, in order), read from the files a chunk at a time ({@link
 * #snapshotSource}); a follower unpacks it into a checkpoint of its own as the chunks arrive
 * ({@link #snapshotSink}), and restoring replaces the store's state with it ({@link
 * KvStore#replaceWith}).
 *
 * <p>A membership change ({@code CONF_CHANGE} entry) is applied as a {@link MemberChange}, so the
 * store's {@link KvStore#members()} follow the Raft configuration. An entry whose data is not a
 * valid command is applied as a no-op on every member alike. {@link #apply} returns each entry's
 * result, which the runtime hands to the proposal's future on the member that proposed it (nothing
 * is kept for other members' entries). Called from the apply thread only, except {@link
 * #snapshotSource} and {@link #snapshotSink} (the node loop) and {@link #snapshotInstalled} (the
 * runtime's snapshot thread, while apply goes on) and {@link #store()}, the listener methods and
 * {@link #close}, which are safe from any thread.
 *
 * <p>{@link #store()} is one object for the machine's whole life, so any thread may keep it: a
 * {@link #restore} swaps the RocksDB instance inside it, and its reads wait while that happens (and
 * then see the restored state) rather than touch a closed database. After {@link #close} its reads
 * throw {@link IllegalStateException}.
 */
public final class KvStateMachine implements StateMachine, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(KvStateMachine.class.getName());

  private final Path dbDir;
  private final KvStore store;

  private final List<ApplyListener> listeners = new CopyOnWriteArrayList<>();

  /**
   * Told, on the apply thread, what each batch did (after it is durable in the store) and when a
   * snapshot replaced the store. Must not block: the apply thread waits for it.
   */
  public interface ApplyListener {
    /** The results of one applied batch, in index order (events in revision order). */
    void applied(List<ApplyResult> results);

    /** The store was replaced by a snapshot at {@code revision}; events before it were not told. */
    default void restored(long revision) {}
  }

  /** Adds a listener for applied batches (see {@link ApplyListener}); safe from any thread. */
  public void addApplyListener(ApplyListener listener) {
    listeners.add(listener);
  }

  /** Removes a listener added by {@link #addApplyListener}. */
  public void removeApplyListener(ApplyListener listener) {
    listeners.remove(listener);
  }

  private KvStateMachine(Path dbDir, KvOptions options) {
    this.dbDir = dbDir;
    deleteLeftovers(dbDir);
    this.store = KvStore.open(dbDir, options);
  }

  /** Deletes the checkpoints and restores a crash left beside {@code dbDir} half done. */
  private static void deleteLeftovers(Path dbDir) {
    Path parent = dbDir.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return;
    }
    String prefix = dbDir.getFileName() + ".";
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix + "checkpoint-")
            || n.startsWith(prefix + "restore-")
            || n.startsWith(prefix + "receive-")) {
          Dirs.deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + parent, e);
    }
  }

  /** Opens (creating if needed) the store in {@code dbDir}. */
  public static KvStateMachine open(Path dbDir, KvOptions options) {
    return new KvStateMachine(dbDir, options);
  }

  /**
   * The store, for reads (ReadIndex and serializable ranges); the same object for the machine's
   * whole life, restores included (see the class comment).
   */
  public KvStore store() {
    return store;
  }

  /** Applies the entries; returns each entry's {@link ApplyResult}, in order. */
  @Override
  public List<ApplyResult> apply(List<Entry> entries) {
    List<KvStore.Entry> batch = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      List<Op> ops = List.of();
      if (e.type() == EntryType.CONF_CHANGE) {
        ops = memberChange(e);
      } else if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        try {
          ops = List.of(KvCommands.decode(e.data()));
        } catch (KvCommands.BadCommandException bad) {
          LOG.log(
              System.Logger.Level.WARNING,
              "entry " + e.index() + " is not a valid command, applied as a no-op: " + bad);
        }
      }
      batch.add(new KvStore.Entry(e.index(), ops));
    }
    List<ApplyResult> applied = store.applyAll(batch);
    for (ApplyListener l : listeners) {
      try {
        l.applied(applied);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "apply listener " + l + " failed", e);
      }
    }
    return applied;
  }

  /** The store's side of a membership change: the member it adds or removes, with its URLs. */
  private static List<Op> memberChange(Entry e) {
    ConfChange cc;
    try {
      cc = ConfChange.decode(e.data());
    } catch (IllegalArgumentException bad) {
      return List.of(); // the Raft core ignores it too
    }
    List<String> peerUrls;
    try {
      peerUrls = Members.decodeContext(cc.context());
    } catch (IllegalArgumentException bad) {
      LOG.log(
          System.Logger.Level.WARNING,
          "membership change at entry " + e.index() + " has an unreadable context: " + bad);
      peerUrls = List.of();
    }
    return List.of(new MemberChange(cc.type(), cc.nodeId(), peerUrls));
  }

  @Override
  public long appliedIndex() {
    return store.appliedIndex();
  }

  /** The store's state packed whole (a checkpoint's files, in order), for another member. */
  @Override
  public byte[] snapshot() {
    Path tmp = dbDir.resolveSibling(dbDir.getFileName() + ".checkpoint-" + System.nanoTime());
    try {
      store.checkpoint(tmp);
      try (CheckpointSource packed = CheckpointSource.open(tmp)) {
        return packed.read(0, Math.toIntExact(packed.size()));
      }
    } finally {
      Dirs.deleteTree(tmp);
    }
  }

  /**
   * Starts flushing the memtables in the background, so the flush that {@link #captureSnapshot}
   * waits for (the checkpoint must hold every applied batch, and the store keeps no WAL) covers
   * only what is applied from now on, not a whole memtable: the apply thread then stalls for tens
   * of milliseconds at a snapshot, not hundreds.
   */
  @Override
  public void prepareSnapshot() {
    store.flushInBackground();
  }

  /** The first bytes of a snapshot reference: {@code RKVCKPT1} then the index, 8 bytes. */
  private static final byte[] REFERENCE = Bytes.of("RKVCKPT1");

  /**
   * Takes a RocksDB checkpoint (a flush and hard links: all the apply thread waits for) beside the
   * store, named by the applied index, and keeps it there: the snapshot the runtime stores is only
   * a reference to it ({@link #isSnapshotReference}); its files are read when a follower needs them
   * ({@link #snapshotSource}). A checkpoint is deleted only once the runtime's store holds a newer
   * snapshot ({@link #snapshotInstalled}): until the loop installs the new one, the store still
   * names the previous one, and a follower may need its bytes.
   */
  @Override
  public java.util.function.Supplier<byte[]> captureSnapshot() {
    long index = store.appliedIndex();
    Path dir = snapshotDir(index);
    if (!Files.exists(dir)) {
      Path tmp = dbDir.resolveSibling(dbDir.getFileName() + ".checkpoint-" + System.nanoTime());
      try {
        store.checkpoint(tmp);
        Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("keeping checkpoint " + dir, e);
      } finally {
        Dirs.deleteTree(tmp);
      }
    }
    byte[] ref = reference(index);
    return () -> ref;
  }

  private static byte[] reference(long index) {
    return java.nio.ByteBuffer.allocate(16).put(REFERENCE).putLong(index).array();
  }

  /**
   * Unpacks a snapshot the leader sends into the checkpoint directory of its index as its chunks
   * arrive ({@link CheckpointSink}), so the snapshot's data is a reference, as for this member's
   * own checkpoints: restoring copies it into place, and this member can send it on later.
   */
  @Override
  public SnapshotSink snapshotSink(SnapshotMetadata metadata) {
    long index = metadata.index();
    Path staging = dbDir.resolveSibling(dbDir.getFileName() + ".receive-" + System.nanoTime());
    return new CheckpointSink(staging, snapshotDir(index), () -> reference(index));
  }

  private Path snapshotDir(long index) {
    return snapshotDir(dbDir, index);
  }

  private static Path snapshotDir(Path dbDir, long index) {
    return dbDir.resolveSibling(dbDir.getFileName() + String.format(".snap-%016x", index));
  }

  /**
   * For a data dir built offline (a snapshot restore): keeps a checkpoint of {@code store}, open on
   * {@code dbDir}, as the snapshot of its applied index, where a machine later opened on {@code
   * dbDir} finds it, and returns the snapshot data that refers to it (what the Raft log store must
   * hold). The checkpoint and its parent directory are synced.
   *
   * @throws UncheckedIOException if the checkpoint cannot be made durable
   */
  public static byte[] keepCheckpoint(Path dbDir, KvStore store) {
    long index = store.appliedIndex();
    Path dir = snapshotDir(dbDir, index);
    store.checkpoint(dir);
    try {
      Dirs.syncDir(dir);
      Dirs.syncDir(dir.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("syncing checkpoint " + dir, e);
    }
    return reference(index);
  }

  /** Deletes the kept checkpoints older than {@code index}, which the runtime's store now holds. */
  @Override
  public void snapshotInstalled(long index) {
    Path parent = dbDir.toAbsolutePath().getParent();
    String prefix = dbDir.getFileName() + ".snap-";
    List<Long> kept = new ArrayList<>();
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix)) {
          try {
            kept.add(Long.parseUnsignedLong(n.substring(prefix.length()), 16));
          } catch (NumberFormatException notOurs) {
            // not a checkpoint of ours
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + parent, e);
    }
    for (long k : kept) {
      if (k < index) {
        Dirs.deleteTree(snapshotDir(k));
      }
    }
  }

  @Override
  public boolean isSnapshotReference(byte[] data) {
    return data.length == 16 && Arrays.equals(data, 0, 8, REFERENCE, 0, 8);
  }

  private Path referencedDir(byte[] data) {
    long index = java.nio.ByteBuffer.wrap(data, 8, 8).getLong();
    Path dir = snapshotDir(index);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "snapshot at index " + index + " names checkpoint " + dir + ", which is gone");
    }
    return dir;
  }

  /**
   * A reference's checkpoint in the packed form {@link #restore} takes (its files, in order), read
   * from the files a chunk at a time ({@link CheckpointSource}); other data as it is.
   */
  @Override
  public SnapshotSource snapshotSource(Snapshot snapshot) {
    return isSnapshotReference(snapshot.data())
        ? CheckpointSource.open(referencedDir(snapshot.data()))
        : SnapshotSource.of(snapshot.data());
  }

  /**
   * Replaces the store's state with the snapshot's. Waits for the reads under way on other threads
   * (never closes RocksDB under them); reads that arrive meanwhile wait and see the restored state.
   *
   * @throws KvStorageException or {@link UncheckedIOException} when the snapshot cannot be put in
   *     place; the store is then closed and the node must stop
   */
  @Override
  public void restore(Snapshot snapshot) {
    if (isSnapshotReference(snapshot.data())) {
      // One of this member's own checkpoints (the store was lost or is behind it).
      store.replaceWith(referencedDir(snapshot.data()));
    } else {
      // The packed form whole in memory (a log store from before followers unpacked snapshots
      // as they arrived keeps it so): unpacked the way a received stream is.
      Path tmp = dbDir.resolveSibling(dbDir.getFileName() + ".restore-" + System.nanoTime());
      try {
        SnapshotSink unpacked =
            new CheckpointSink(tmp.resolveSibling(tmp.getFileName() + "-in"), tmp, () -> null);
        try {
          unpacked.write(snapshot.data());
          unpacked.finish();
        } catch (RuntimeException e) {
          unpacked.abort();
          throw e;
        }
        store.replaceWith(tmp);
      } finally {
        Dirs.deleteTree(tmp);
      }
    }
    long revision = store.revision();
    for (ApplyListener l : listeners) {
      try {
        l.restored(revision);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "apply listener " + l + " failed", e);
      }
    }
  }

  /**
   * Closes the store once the reads under way on other threads are done; later reads throw {@link
   * IllegalStateException}. Closing again does nothing.
   */
  @Override
  public void close() {
    store.close();
  }
}
