package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.SnapshotRequest;
import dev.raftkv.api.etcdserverpb.SnapshotResponse;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Range;
import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance.Snapshot on a one-member server: etcd's framing, a restorable checkpoint, cleanup.
 */
class SnapshotStreamTest {
  @TempDir Path dir;
  private RaftkvServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    int[] p = LoopbackPorts.allocate(3);
    URI peer = URI.create("http://127.0.0.1:" + p[1]);
    server =
        RaftkvServer.start(
            new ServerConfig(
                "s1",
                dir.resolve("s1"),
                URI.create("http://127.0.0.1:" + p[0]),
                peer,
                URI.create("http://127.0.0.1:" + p[2]),
                Map.of("s1", peer),
                true,
                "snap",
                10,
                100));
    await("a leader", () -> server.status().role() == Role.LEADER);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", p[0]).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void await(String what, BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private void putKeys(int count, int valueBytes) {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    byte[] value = new byte[valueBytes];
    java.util.Random random = new java.util.Random(count);
    for (int i = 0; i < count; i++) {
      random.nextBytes(value); // incompressible, so the store really is this large
      kv.put(
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8(String.format("key-%04d", i)))
              .setValue(ByteString.copyFrom(value))
              .build());
    }
  }

  private Path scratch() {
    return dir.resolve("s1").resolve(RaftkvServer.SNAPSHOT_SCRATCH);
  }

  private boolean scratchIsEmpty() {
    if (!Files.exists(scratch())) {
      return true;
    }
    try (Stream<Path> s = Files.list(scratch())) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void streamsTheCheckpointAsTarChunksThenItsSha256AndLeavesNoTempFiles() throws Exception {
    putKeys(300, 1024);
    Iterator<SnapshotResponse> it =
        MaintenanceGrpc.newBlockingStub(channel).snapshot(SnapshotRequest.getDefaultInstance());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    long previousRemaining = Long.MAX_VALUE;
    int responses = 0;
    SnapshotResponse last = null;
    while (it.hasNext()) {
      SnapshotResponse r = it.next();
      if (responses == 0) {
        assertThat(r.getHeader().getRevision()).isEqualTo(301);
      }
      responses++;
      assertThat(r.getBlob().size()).isLessThanOrEqualTo(SnapshotStream.CHUNK);
      assertThat(r.getRemainingBytes()).isLessThanOrEqualTo(previousRemaining);
      previousRemaining = r.getRemainingBytes();
      r.getBlob().writeTo(all);
      last = r;
    }
    assertThat(responses).as("300 KiB of values come in many chunks").isGreaterThan(3);
    assertThat(last.getRemainingBytes()).isZero();
    assertThat(last.getBlob().size()).isEqualTo(32);
    byte[] bytes = all.toByteArray();
    byte[] archive = Arrays.copyOf(bytes, bytes.length - 32);
    assertThat(MessageDigest.getInstance("SHA-256").digest(archive))
        .isEqualTo(last.getBlob().toByteArray());

    Path tarFile = dir.resolve("snap.tar");
    Files.write(tarFile, archive);
    Path out = Files.createDirectories(dir.resolve("out"));
    Process tar =
        new ProcessBuilder("tar", "-xf", tarFile.toString(), "-C", out.toString())
            .redirectErrorStream(true)
            .start();
    String printed = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).as(printed).isZero();
    try (KvStore restored = KvStore.restore(out.resolve("db"), dir.resolve("restored"))) {
      assertThat(restored.revision()).isEqualTo(301);
      assertThat(restored.range(Range.prefix("key-".getBytes(StandardCharsets.UTF_8))).count())
          .isEqualTo(300);
    }
    await("the checkpoint directory is deleted", this::scratchIsEmpty);
  }

  @Test
  void aClientThatCancelsMidStreamLeavesNoTempFiles() throws Exception {
    putKeys(400, 4096);
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () -> {
          Iterator<SnapshotResponse> it =
              MaintenanceGrpc.newBlockingStub(channel)
                  .snapshot(SnapshotRequest.getDefaultInstance());
          SnapshotResponse first = it.next();
          assertThat(first.getRemainingBytes()).isGreaterThan(SnapshotStream.CHUNK);
          assertThat(scratchIsEmpty()).as("the checkpoint exists while streaming").isFalse();
        });
    ctx.cancel(null);
    await("the checkpoint directory is deleted after the cancel", this::scratchIsEmpty);
  }

  @Test
  void leftoversOfACrashAreDeletedAtStart() throws Exception {
    server.close();
    Path leftover = Files.createDirectories(scratch().resolve("snapshot-123"));
    Files.write(leftover.resolve("000001.sst"), new byte[10]);
    server = RaftkvServer.start(server.config());
    assertThat(Files.exists(leftover)).isFalse();
  }
}
