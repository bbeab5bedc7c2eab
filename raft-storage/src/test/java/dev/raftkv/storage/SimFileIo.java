package dev.raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A simulated file system for crash and fault tests. Each file's content has a volatile and a
 * durable image: {@code force()} makes the volatile one durable; namespace changes (create, rename,
 * delete) become durable only with {@code fsyncDir} of the parent. Every mutating call is one
 * numbered operation; the test can make operation {@code crashAt} tear (a write keeps a random
 * prefix of its bytes) and crash, after which every call fails, and then build with {@link
 * #afterCrash} the file system a restarted process would find: the durable images plus, per file, a
 * random prefix of the writes not yet forced (the last one possibly torn).
 */
final class SimFileIo implements FileIo {
  private static final class Inode {
    byte[] data = new byte[0];
    byte[] durable = new byte[0];
    final List<Object> unsynced = new ArrayList<>(); // Write or Long (truncate size)
  }

  private record Write(long pos, byte[] bytes) {}

  private final Map<Path, Inode> names = new HashMap<>();
  private final Map<Path, Inode> durableNames = new HashMap<>();
  private final Set<Path> dirs = new HashSet<>();
  private final Random random;
  private int ops;
  private int crashAt = -1;
  private long capacity = Long.MAX_VALUE;
  private String failForceSuffix;
  private int failedForces;
  private boolean crashed;

  SimFileIo(long seed) {
    this.random = new Random(seed);
  }

  /** Operation number {@code op} (0-based) tears and crashes the simulated machine. */
  synchronized SimFileIo crashAt(int op) {
    this.crashAt = op;
    return this;
  }

  /**
   * From now on every force of a file whose current name ends in {@code suffix} fails with an I/O
   * error; {@link #failedForces()} counts them.
   */
  synchronized SimFileIo failForceOf(String suffix) {
    this.failForceSuffix = suffix;
    return this;
  }

  synchronized int failedForces() {
    return failedForces;
  }

  private boolean named(Inode inode, String suffix) {
    for (Map.Entry<Path, Inode> e : names.entrySet()) {
      if (e.getValue() == inode && e.getKey().toString().endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /** Writes beyond {@code bytes} in total file size fail with "No space left on device". */
  synchronized SimFileIo capacity(long bytes) {
    this.capacity = bytes;
    return this;
  }

  synchronized int ops() {
    return ops;
  }

  synchronized boolean crashed() {
    return crashed;
  }

  /** The file system a restarted process finds when nothing that was not forced survived. */
  synchronized SimFileIo afterCrashKeepingOnlyDurable() {
    return afterCrash(0, true);
  }

  /** The file system a process restarted after the crash finds. */
  synchronized SimFileIo afterCrash(long seed) {
    return afterCrash(seed, false);
  }

  private SimFileIo afterCrash(long seed, boolean durableOnly) {
    Random r = new Random(seed);
    SimFileIo next = new SimFileIo(seed);
    next.dirs.addAll(dirs);
    Map<Inode, Inode> copies = new HashMap<>();
    for (Map.Entry<Path, Inode> e : durableNames.entrySet()) {
      Inode old = e.getValue();
      Inode copy = copies.get(old);
      if (copy == null) {
        byte[] content = old.durable.clone();
        int keep = old.unsynced.isEmpty() || durableOnly ? 0 : r.nextInt(old.unsynced.size() + 1);
        for (int i = 0; i < old.unsynced.size() && i <= keep; i++) {
          Object op = old.unsynced.get(i);
          if (i == keep) {
            if (op instanceof Write w && !durableOnly && r.nextBoolean()) {
              byte[] torn = Arrays.copyOf(w.bytes, r.nextInt(w.bytes.length + 1));
              content = apply(content, new Write(w.pos, torn));
            }
            break;
          }
          content =
              op instanceof Write w
                  ? apply(content, w)
                  : Arrays.copyOf(content, (int) (long) (Long) op);
        }
        copy = new Inode();
        copy.data = content;
        copy.durable = content.clone();
        copies.put(old, copy);
      }
      next.names.put(e.getKey(), copy);
      next.durableNames.put(e.getKey(), copy);
    }
    return next;
  }

  /** Direct access for tests that damage files: the volatile (and durable) content. */
  synchronized byte[] content(Path p) {
    return names.get(p).data;
  }

  synchronized void setContent(Path p, byte[] data) {
    Inode i = names.get(p);
    i.data = data;
    i.durable = data.clone();
  }

  private static byte[] apply(byte[] content, Write w) {
    int end = (int) w.pos + w.bytes.length;
    byte[] out = end > content.length ? Arrays.copyOf(content, end) : content;
    System.arraycopy(w.bytes, 0, out, (int) w.pos, w.bytes.length);
    return out;
  }

  /** Counts a mutating operation; returns true if this one is the crash. */
  private boolean step() throws IOException {
    if (crashed) {
      throw new IOException("simulated machine has crashed");
    }
    boolean crash = ops == crashAt;
    ops++;
    return crash;
  }

  private IOException crash() {
    crashed = true;
    return new IOException("simulated crash at operation " + (ops - 1));
  }

  @Override
  public synchronized Handle open(Path path) throws IOException {
    if (crashed) {
      throw new IOException("simulated machine has crashed");
    }
    Inode inode = names.get(path);
    if (inode == null) {
      if (!dirs.contains(path.getParent())) {
        throw new IOException("no such directory: " + path.getParent());
      }
      if (step()) {
        throw crash();
      }
      inode = new Inode();
      names.put(path, inode);
    }
    return new SimHandle(inode);
  }

  @Override
  public synchronized List<Path> list(Path dir) throws IOException {
    if (crashed) {
      throw new IOException("simulated machine has crashed");
    }
    List<Path> out = new ArrayList<>();
    for (Path p : names.keySet()) {
      if (dir.equals(p.getParent())) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public synchronized boolean exists(Path path) {
    return names.containsKey(path) || dirs.contains(path);
  }

  @Override
  public synchronized void createDirectories(Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      dirs.add(p);
    }
  }

  @Override
  public synchronized void delete(Path path) throws IOException {
    if (step()) {
      throw crash();
    }
    names.remove(path);
  }

  @Override
  public synchronized void rename(Path from, Path to) throws IOException {
    if (step()) {
      throw crash();
    }
    Inode i = names.remove(from);
    if (i == null) {
      throw new IOException("no such file: " + from);
    }
    names.put(to, i);
  }

  @Override
  public synchronized void fsyncDir(Path dir) throws IOException {
    if (step()) {
      throw crash();
    }
    durableNames.keySet().removeIf(p -> dir.equals(p.getParent()));
    for (Map.Entry<Path, Inode> e : names.entrySet()) {
      if (dir.equals(e.getKey().getParent())) {
        durableNames.put(e.getKey(), e.getValue());
      }
    }
  }

  private long totalSize() {
    long n = 0;
    Set<Inode> seen = new HashSet<>(names.values());
    for (Inode i : seen) {
      n += i.data.length;
    }
    return n;
  }

  private final class SimHandle implements Handle {
    private final Inode inode;

    SimHandle(Inode inode) {
      this.inode = inode;
    }

    @Override
    public long size() {
      synchronized (SimFileIo.this) {
        return inode.data.length;
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      synchronized (SimFileIo.this) {
        if (crashed) {
          throw new IOException("simulated machine has crashed");
        }
        int n = (int) Math.max(0, Math.min(dst.remaining(), inode.data.length - position));
        dst.put(inode.data, (int) position, n);
        return n;
      }
    }

    @Override
    public void write(ByteBuffer[] srcs, long position) throws IOException {
      synchronized (SimFileIo.this) {
        boolean crash = step();
        int len = 0;
        for (ByteBuffer b : srcs) {
          len += b.remaining();
        }
        byte[] bytes = new byte[len];
        int at = 0;
        for (ByteBuffer b : srcs) {
          int n = b.remaining();
          b.get(bytes, at, n);
          at += n;
        }
        long grow = Math.max(0, position + len - inode.data.length);
        if (totalSize() + grow > capacity) {
          throw new IOException("No space left on device");
        }
        if (crash) {
          bytes = Arrays.copyOf(bytes, random.nextInt(len + 1));
        }
        Write w = new Write(position, bytes);
        inode.data = apply(inode.data, w);
        inode.unsynced.add(w);
        if (crash) {
          throw crash();
        }
      }
    }

    @Override
    public void force() throws IOException {
      synchronized (SimFileIo.this) {
        if (step()) {
          throw crash();
        }
        if (failForceSuffix != null && named(inode, failForceSuffix)) {
          failedForces++;
          // Like Linux after a failed fsync: the dirty data may be gone for good.
          throw new IOException("Input/output error (simulated fsync failure)");
        }
        inode.durable = inode.data.clone();
        inode.unsynced.clear();
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      synchronized (SimFileIo.this) {
        if (step()) {
          throw crash();
        }
        inode.data = Arrays.copyOf(inode.data, (int) size);
        inode.unsynced.add(size);
      }
    }

    @Override
    public void close() {}
  }
}
