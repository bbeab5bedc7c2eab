package dev.raftkv.cli.chaos;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.Compare;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.testkit.lin.HistoryRecorder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One client of a chaos run: until stopped, runs random gets, puts and compare-and-sets on the key
 * set through the etcd gRPC API of a random member, one at a time, recording each in the history.
 *
 * <p>Every value written is unique ({@code c<client>-<n>}), so a read names the write it saw. A CAS
 * compares on what this client last saw of the key: its mod revision (0 when absent, so it creates
 * the key) or its value. Outcomes: an answer is ok; an error the server gives before it proposes
 * anything (see {@link #isDefiniteFailure}) is fail; a deadline, a broken connection or any other
 * error is unknown (the write may still take effect). Members whose channel is down are skipped
 * before a request is recorded, so requests that were never sent stay out of the history.
 */
final class ChaosClient implements Runnable {
  private final int id;
  private final Random random;
  private final HistoryRecorder recorder;
  private final MemberChannels channels;
  private final int members;
  private final int keys;
  private final boolean serializable;
  private final long timeoutMillis;
  private final Map<String, KeyValue> lastSeen = new HashMap<>();
  private final Map<Long, Integer> memberOf;
  private int member; // the member the current request goes to
  private long written;
  private volatile boolean stopped;

  ChaosClient(
      int id,
      long seed,
      HistoryRecorder recorder,
      Map<Long, Integer> memberOf,
      MemberChannels channels,
      int members,
      ChaosOptions options) {
    this.memberOf = memberOf;
    this.id = id;
    this.random = new Random(seed * 1_000_003L + id);
    this.recorder = recorder;
    this.channels = channels;
    this.members = members;
    this.keys = options.keys();
    this.serializable = options.serializableReads();
    this.timeoutMillis = options.opTimeout().toMillis();
  }

  /** Makes {@link #run()} return after the request in flight (at most one op timeout). */
  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    while (!stopped) {
      member = pickMember();
      if (member == 0) {
        sleep(50);
        continue;
      }
      String key = "k" + random.nextInt(keys);
      KVGrpc.KVBlockingStub kv =
          KVGrpc.newBlockingStub(channels.get(member))
              .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
      double dice = random.nextDouble();
      if (dice < 0.5) {
        get(kv, key);
      } else if (dice < 0.8) {
        put(kv, key);
      } else {
        cas(kv, key);
      }
    }
  }

  /** A random member whose channel is not known to be down, or 0 if all are. */
  private int pickMember() {
    int first = 1 + random.nextInt(members);
    for (int k = 0; k < members; k++) {
      int m = 1 + (first - 1 + k) % members;
      if (!channels.isDown(m)) {
        return m;
      }
    }
    return 0;
  }

  private void get(KVGrpc.KVBlockingStub kv, String key) {
    long op = sentTo(recorder.invokeGet(id, key));
    try {
      RangeResponse r =
          kv.range(
              RangeRequest.newBuilder().setKey(bytes(key)).setSerializable(serializable).build());
      long rev = r.getHeader().getRevision();
      if (r.getKvsCount() == 0) {
        recorder.completeGet(op, null, -1, -1, -1, rev);
        lastSeen.remove(key);
      } else {
        KeyValue found = r.getKvs(0);
        recorder.completeGet(
            op,
            found.getValue().toStringUtf8(),
            found.getModRevision(),
            found.getCreateRevision(),
            found.getVersion(),
            rev);
        lastSeen.put(key, found);
      }
    } catch (StatusRuntimeException e) {
      failOrLeave(op, e);
    }
  }

  private void put(KVGrpc.KVBlockingStub kv, String key) {
    String value = nextValue();
    long op = sentTo(recorder.invokePut(id, key, value));
    try {
      PutResponse r =
          kv.put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build());
      long rev = r.getHeader().getRevision();
      recorder.completeWrite(op, false, rev);
      lastSeen.put(key, written(key, value, rev));
    } catch (StatusRuntimeException e) {
      failOrLeave(op, e);
    }
  }

  private void cas(KVGrpc.KVBlockingStub kv, String key) {
    String value = nextValue();
    KeyValue seen = lastSeen.get(key);
    Compare.Builder compare =
        Compare.newBuilder().setKey(bytes(key)).setResult(Compare.CompareResult.EQUAL);
    long op;
    if (seen == null || random.nextBoolean()) {
      long modRev = seen == null ? 0 : seen.getModRevision();
      compare.setTarget(Compare.CompareTarget.MOD).setModRevision(modRev);
      op = sentTo(recorder.invokeCasModRev(id, key, modRev, value));
    } else {
      String expect = seen.getValue().toStringUtf8();
      compare.setTarget(Compare.CompareTarget.VALUE).setValue(bytes(expect));
      op = sentTo(recorder.invokeCasValue(id, key, expect, value));
    }
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(compare)
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(
                        PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))))
            .build();
    try {
      TxnResponse r = kv.txn(txn);
      long rev = r.getHeader().getRevision();
      recorder.completeWrite(op, r.getSucceeded(), rev);
      if (r.getSucceeded()) {
        lastSeen.put(key, written(key, value, rev));
      } else {
        lastSeen.remove(key); // stale; the next CAS creates-if-absent or reads first
      }
    } catch (StatusRuntimeException e) {
      failOrLeave(op, e);
    }
  }

  /** Notes which member operation {@code op} goes to; returns {@code op}. */
  private long sentTo(long op) {
    memberOf.put(op, member);
    return op;
  }

  private String nextValue() {
    return "c" + id + "-" + ++written;
  }

  private static KeyValue written(String key, String value, long rev) {
    return KeyValue.newBuilder()
        .setKey(bytes(key))
        .setValue(bytes(value))
        .setModRevision(rev)
        .build();
  }

  /** Records a definite failure; anything else stays unknown (the recorder's default). */
  private void failOrLeave(long op, StatusRuntimeException e) {
    if (isDefiniteFailure(e.getStatus())) {
      recorder.fail(op);
    }
  }

  /**
   * Whether the server certainly did not apply the request: it refused it before proposing (no
   * leader known, a leadership transfer under way: raftkv's proposal rejections) or rejected it as
   * invalid. A deadline, a lost connection or a server-side timeout is not certain.
   */
  static boolean isDefiniteFailure(Status status) {
    String d = status.getDescription() == null ? "" : status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE ->
          d.equals("etcdserver: no leader") || d.equals("etcdserver: leader changed");
      case INVALID_ARGUMENT,
          FAILED_PRECONDITION,
          OUT_OF_RANGE,
          PERMISSION_DENIED,
          UNAUTHENTICATED,
          UNIMPLEMENTED ->
          true;
      default -> false;
    };
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
