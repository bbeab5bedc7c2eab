package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.SnapshotResponse;
import dev.raftkv.kv.KvStore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One {@code Maintenance.Snapshot} call: takes a RocksDB checkpoint of the store into a fresh
 * directory under the member's snapshot scratch dir, and streams it to the client as a ustar
 * archive ({@link DirectoryTar}, members named {@code db/FILE}) in {@value #CHUNK}-byte {@code
 * blob}s, each with {@code remaining_bytes} = archive bytes not yet sent, followed by one last
 * response whose blob is the SHA-256 of the archive (32 bytes) and whose {@code remaining_bytes} is
 * 0 — etcd's framing, so {@code etcdctl snapshot save} writes archive + digest to its file.
 *
 * <p>Sends only while the client's transport is ready (gRPC flow control), so at most a chunk or
 * two is in memory however large the store is. The checkpoint directory is deleted when the stream
 * ends, fails or the client cancels.
 */
final class SnapshotStream {
  private static final System.Logger LOG = System.getLogger(SnapshotStream.class.getName());

  /** Bytes per response, as etcd sends them. */
  static final int CHUNK = 32 * 1024;

  private final ServerCallStreamObserver<SnapshotResponse> out;
  private final Path checkpointDir;
  private final DirectoryTar archive;
  private final ResponseHeader header;
  private final MessageDigest sha256;
  private final byte[] buf = new byte[CHUNK];
  private long remaining;
  private boolean first = true;
  private boolean done;

  private SnapshotStream(
      ServerCallStreamObserver<SnapshotResponse> out,
      Path checkpointDir,
      DirectoryTar archive,
      ResponseHeader header) {
    this.out = out;
    this.checkpointDir = checkpointDir;
    this.archive = archive;
    this.header = header;
    this.remaining = archive.length();
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * Starts streaming a snapshot of {@code store} to {@code observer}; returns at once, the chunks
   * go out as the client reads them. A failure to take the checkpoint is answered {@code
   * UNAVAILABLE etcdserver: snapshot failed: ...}.
   *
   * @param scratchDir where the checkpoint directory is made (on the store's file system, so the
   *     checkpoint is hard links)
   */
  static void start(
      KvStore store,
      Path scratchDir,
      ResponseHeader header,
      StreamObserver<SnapshotResponse> observer) {
    ServerCallStreamObserver<SnapshotResponse> out =
        (ServerCallStreamObserver<SnapshotResponse>) observer;
    Path dir = scratchDir.resolve("snapshot-" + System.nanoTime());
    DirectoryTar archive;
    try {
      Files.createDirectories(scratchDir);
      store.checkpoint(dir);
      archive = DirectoryTar.of(dir, "db");
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      out.onError(
          Status.UNAVAILABLE
              .withDescription("etcdserver: snapshot failed: " + e.getMessage())
              .asRuntimeException());
      return;
    }
    SnapshotStream s = new SnapshotStream(out, dir, archive, header);
    out.setOnCancelHandler(s::cancelled);
    out.setOnReadyHandler(s::pump);
    s.pump();
  }

  /** Sends chunks while the transport takes them; finishes with the digest. */
  private synchronized void pump() {
    try {
      while (!done && out.isReady()) {
        int n = archive.readNBytes(buf, 0, CHUNK);
        if (n > 0) {
          sha256.update(buf, 0, n);
          remaining -= n;
          send(ByteString.copyFrom(buf, 0, n), remaining);
        } else {
          if (remaining != 0) {
            throw new IOException("archive ended " + remaining + " bytes early");
          }
          send(ByteString.copyFrom(sha256.digest()), 0);
          finish();
          out.onCompleted();
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!done) {
        finish();
        LOG.log(System.Logger.Level.WARNING, "snapshot stream failed", e);
        out.onError(
            Status.UNAVAILABLE
                .withDescription("etcdserver: snapshot failed: " + e.getMessage())
                .asRuntimeException());
      }
    }
  }

  private void send(ByteString blob, long remainingBytes) {
    SnapshotResponse.Builder r =
        SnapshotResponse.newBuilder().setRemainingBytes(remainingBytes).setBlob(blob);
    if (first) {
      r.setHeader(header);
      first = false;
    }
    out.onNext(r.build());
  }

  private synchronized void cancelled() {
    if (!done) {
      finish();
    }
  }

  private void finish() {
    done = true;
    try {
      archive.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "closing snapshot archive: " + e);
    }
    deleteTree(checkpointDir);
  }

  /** Deletes what an earlier process left in the scratch dir (a crash mid-stream). */
  static void clean(Path scratchDir) {
    deleteTree(scratchDir);
  }

  /** Deletes {@code dir} and everything in it; a failure is logged, never thrown. */
  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not delete " + dir + ": " + e);
    }
  }
}
