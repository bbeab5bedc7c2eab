package dev.raftkv.storage;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Snapshot files in {@code snap/}, named {@code <index>-<term>.snap} (16 hex digits each). Layout,
 * big-endian:
 *
 * <pre>
 *   0  "RKVSNAP1"
 *   8  u64 index, u64 term
 *  24  u32 voter count, u64 voters..., u32 learner count, u64 learners...
 *   .  u32 data length, data
 *   .  u32 CRC32C of every byte before it
 * </pre>
 *
 * A file is written under a {@code .tmp} name, fsynced, renamed, and the directory fsynced; only
 * the newest {@link #KEEP} files are kept.
 */
final class SnapshotStore {
  static final int KEEP = 2;
  private static final byte[] MAGIC = {'R', 'K', 'V', 'S', 'N', 'A', 'P', '1'};
  private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.snap");

  private final Path dir;
  private final FileIo io;

  SnapshotStore(Path dir, FileIo io) {
    this.dir = dir;
    this.io = io;
  }

  private record SnapFile(long index, Path path) {}

  private List<SnapFile> files() throws IOException {
    List<SnapFile> out = new ArrayList<>();
    for (Path p : io.list(dir)) {
      Matcher m = NAME.matcher(p.getFileName().toString());
      if (m.matches()) {
        out.add(new SnapFile(Long.parseUnsignedLong(m.group(1), 16), p));
      }
    }
    out.sort(Comparator.comparingLong(SnapFile::index));
    return out;
  }

  /**
   * Durably writes {@code snap}, then prunes old files. Blocks on file I/O and two fsyncs. One call
   * at a time: the node loop (a snapshot from the leader) and a snapshot writer may both call.
   */
  synchronized void save(Snapshot snap) throws IOException {
    SnapshotMetadata md = snap.metadata();
    ConfState c = md.conf();
    int size =
        8 + 16 + 8 + 8 * (c.voters().size() + c.learners().size()) + 4 + snap.data().length + 4;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC).putLong(md.index()).putLong(md.term());
    b.putInt(c.voters().size());
    c.voters().forEach(b::putLong);
    b.putInt(c.learners().size());
    c.learners().forEach(b::putLong);
    b.putInt(snap.data().length).put(snap.data());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, size - 4);
    b.putInt((int) crc.getValue()).flip();
    String name = String.format("%016x-%016x.snap", md.index(), md.term());
    Path tmp = dir.resolve(name + ".tmp");
    try (FileIo.Handle h = io.open(tmp)) {
      h.truncate(0);
      h.write(new ByteBuffer[] {b}, 0);
      h.force();
    }
    io.rename(tmp, dir.resolve(name));
    io.fsyncDir(dir);
    List<SnapFile> all = files();
    if (all.size() > KEEP) {
      for (SnapFile f : all.subList(0, all.size() - KEEP)) {
        io.delete(f.path);
      }
      io.fsyncDir(dir);
    }
  }

  /**
   * The newest snapshot, or {@link Snapshot#EMPTY}. Leftover temp files are removed.
   *
   * @throws StorageCorruptedException if the newest file cannot be read back intact (an older one
   *     is not used instead: that would silently roll the state machine back)
   */
  Snapshot loadLatest() throws IOException {
    boolean removed = false;
    for (Path p : io.list(dir)) {
      if (p.getFileName().toString().endsWith(".tmp")) {
        io.delete(p);
        removed = true;
      }
    }
    if (removed) {
      io.fsyncDir(dir);
    }
    List<SnapFile> all = files();
    if (all.isEmpty()) {
      return Snapshot.EMPTY;
    }
    Path p = all.get(all.size() - 1).path;
    byte[] buf;
    try (FileIo.Handle h = io.open(p)) {
      ByteBuffer bb = ByteBuffer.allocate((int) h.size());
      h.read(bb, 0);
      buf = bb.array();
    }
    int n = buf.length;
    if (n < 8 + 16 + 8 + 4 + 4) {
      throw unreadable(p, n, "file is too short (" + n + " bytes)");
    }
    CRC32C crc = new CRC32C();
    crc.update(buf, 0, n - 4);
    if ((int) crc.getValue() != WalRecord.getInt(buf, n - 4)) {
      throw unreadable(p, n - 4, "checksum mismatch");
    }
    ByteBuffer b = ByteBuffer.wrap(buf);
    for (byte m : MAGIC) {
      if (b.get() != m) {
        throw unreadable(p, 0, "bad magic");
      }
    }
    try {
      long index = b.getLong();
      long term = b.getLong();
      Set<Long> voters = new HashSet<>();
      for (int k = b.getInt(); k > 0; k--) {
        voters.add(b.getLong());
      }
      Set<Long> learners = new HashSet<>();
      for (int k = b.getInt(); k > 0; k--) {
        learners.add(b.getLong());
      }
      byte[] data = new byte[b.getInt()];
      b.get(data);
      return new Snapshot(new SnapshotMetadata(index, term, new ConfState(voters, learners)), data);
    } catch (RuntimeException e) {
      throw unreadable(p, b.position(), "malformed contents: " + e);
    }
  }

  private static StorageCorruptedException unreadable(Path p, long offset, String why) {
    return new StorageCorruptedException(
        "snapshot file " + p + " is unreadable at offset " + offset + ": " + why);
  }
}
