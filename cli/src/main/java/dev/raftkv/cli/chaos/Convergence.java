package dev.raftkv.cli.chaos;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.HashKVRequest;
import dev.raftkv.api.etcdserverpb.HashKVResponse;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.testkit.lin.HistoryRecorder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The end of a chaos run: heal every fault, wait for a leader, read the final state, and wait for
 * all members to agree on {@code HashKV} at one revision.
 */
final class Convergence {
  private final LocalCluster cluster;
  private final MemberChannels channels;

  Convergence(LocalCluster cluster, MemberChannels channels) {
    this.cluster = cluster;
    this.channels = channels;
  }

  /**
   * Restarts dead members, SIGCONTs every member, clears every block list (retrying until each
   * member answers), then waits for a leader that a majority follows.
   *
   * @return problems found (empty when healed and a leader is agreed on)
   */
  List<String> healAll(long timeoutMillis) throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    for (int i : cluster.members()) {
      if (!cluster.isRunning(i)) {
        cluster.start(i);
        channels.reconnect(i);
      }
      cluster.resume(i);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (int i : cluster.members()) {
      boolean cleared =
          LocalCluster.await(
              Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
              () -> {
                try {
                  cluster.post(i, "/unblock");
                  return true;
                } catch (IOException notUpYet) {
                  return false;
                }
              });
      if (!cleared) {
        problems.add("member " + i + " did not answer /unblock after healing");
      }
      channels.reconnect(i);
    }
    boolean led =
        LocalCluster.await(
            Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
            () -> cluster.leaderAmong(cluster.members()) != 0);
    if (!led) {
      problems.add("no leader that a majority follows within " + timeoutMillis + " ms of healing");
    }
    return problems;
  }

  /**
   * Reads every key linearizably (trying members in turn until one answers), recording each read in
   * the history as client {@code client}.
   *
   * @return each key's final value and mod revision (null: absent); a key that could not be read is
   *     missing from the map
   */
  Map<String, AckedWritesCheck.Version> finalReads(
      HistoryRecorder recorder, int client, int keys, long timeoutMillis)
      throws InterruptedException {
    Map<String, AckedWritesCheck.Version> out = new TreeMap<>();
    for (int k = 0; k < keys; k++) {
      String key = "k" + k;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      for (int attempt = 0; System.nanoTime() - deadline < 0; attempt++) {
        int member = 1 + attempt % cluster.size();
        long op = recorder.invokeGet(client, key);
        try {
          RangeResponse r =
              KVGrpc.newBlockingStub(channels.get(member))
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .range(RangeRequest.newBuilder().setKey(bytes(key)).build());
          long rev = r.getHeader().getRevision();
          if (r.getKvsCount() == 0) {
            recorder.completeGet(op, null, -1, -1, -1, rev);
            out.put(key, null);
          } else {
            var kv = r.getKvs(0);
            recorder.completeGet(
                op,
                kv.getValue().toStringUtf8(),
                kv.getModRevision(),
                kv.getCreateRevision(),
                kv.getVersion(),
                rev);
            out.put(
                key,
                new AckedWritesCheck.Version(kv.getValue().toStringUtf8(), kv.getModRevision()));
          }
          break;
        } catch (StatusRuntimeException e) {
          if (ChaosClient.isDefiniteFailure(e.getStatus())) {
            recorder.fail(op);
          }
          Thread.sleep(100);
        }
      }
    }
    return out;
  }

  /** What one member said to {@code HashKV}. */
  record MemberHash(int member, long revision, long hash, String error) {
    @Override
    public String toString() {
      return error != null
          ? "member " + member + ": " + error
          : "member " + member + ": revision " + revision + " hash " + Long.toHexString(hash);
    }
  }

  /**
   * Asks every member for {@code HashKV} (current revision) until all answer with the same revision
   * and hash, or the time is up.
   *
   * @return the last answers; they agree exactly when every entry has the same revision and hash
   */
  List<MemberHash> awaitSameHash(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    List<MemberHash> last;
    do {
      last = new ArrayList<>();
      for (int i : cluster.members()) {
        try {
          HashKVResponse r =
              MaintenanceGrpc.newBlockingStub(channels.get(i))
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .hashKV(HashKVRequest.getDefaultInstance());
          last.add(new MemberHash(i, r.getHeader().getRevision(), r.getHash() & 0xffffffffL, null));
        } catch (StatusRuntimeException e) {
          last.add(new MemberHash(i, -1, -1, e.getStatus().getCode().toString()));
        }
      }
      if (agree(last)) {
        return last;
      }
      Thread.sleep(200);
    } while (System.nanoTime() - deadline < 0);
    return last;
  }

  /** Whether every member answered with the same revision and hash. */
  static boolean agree(List<MemberHash> hashes) {
    Map<String, Integer> distinct = new LinkedHashMap<>();
    for (MemberHash h : hashes) {
      if (h.error() != null) {
        return false;
      }
      distinct.merge(h.revision() + "/" + h.hash(), 1, Integer::sum);
    }
    return distinct.size() == 1;
  }

  /** Reads {@code key} as of {@code revision} on member 1 (serializable; after convergence). */
  AckedWritesCheck.Version at(String key, long revision) {
    RangeResponse r =
        KVGrpc.newBlockingStub(channels.get(1))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .range(
                RangeRequest.newBuilder()
                    .setKey(bytes(key))
                    .setRevision(revision)
                    .setSerializable(true)
                    .build());
    if (r.getKvsCount() == 0) {
      return null;
    }
    return new AckedWritesCheck.Version(
        r.getKvs(0).getValue().toStringUtf8(), r.getKvs(0).getModRevision());
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
