package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.SnapshotMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Random messages of every type, with values that stress varints (0, small, huge, negative). */
final class RandomMessages {
  private final Random random;

  RandomMessages(long seed) {
    this.random = new Random(seed);
  }

  /** One message of each permitted type, in {@code permits} order, between the given members. */
  List<Message> oneOfEach(long from, long to) {
    List<Message> all = new ArrayList<>();
    for (int kind = 0; kind < KINDS; kind++) {
      all.add(of(kind, from, to));
    }
    return all;
  }

  static final int KINDS = 12;

  Message any() {
    return of(random.nextInt(KINDS), num(), num());
  }

  Message of(int kind, long from, long to) {
    long term = num();
    return switch (kind) {
      case 0 -> new Message.VoteRequest(from, to, term, num(), num(), bool(), bool());
      case 1 -> new Message.VoteResponse(from, to, term, bool(), bool());
      case 2 -> new Message.AppendRequest(from, to, term, num(), num(), entries(), num());
      case 3 -> new Message.AppendResponse(from, to, term, num(), bool(), num(), num());
      case 4 -> new Message.Heartbeat(from, to, term, num(), num());
      case 5 -> new Message.HeartbeatResponse(from, to, term, num());
      case 6 -> new Message.Propose(from, to, 0, entries());
      case 7 -> new Message.TimeoutNow(from, to, term);
      case 8 -> new Message.ReadIndexRequest(from, to, 0, num());
      case 9 -> new Message.ReadIndexResponse(from, to, term, num(), num());
      case 10 -> new Message.InstallSnapshot(from, to, term, metadata(), num(), bytes(), bool());
      case 11 -> new Message.SnapshotResponse(from, to, term, num(), num(), bool());
      default -> throw new IllegalArgumentException("kind " + kind);
    };
  }

  long num() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> random.nextInt(128);
      case 2 -> random.nextInt(1 << 20);
      case 3 -> random.nextLong();
      case 4 -> Long.MAX_VALUE - random.nextInt(3);
      default -> -1 - random.nextInt(3);
    };
  }

  private boolean bool() {
    return random.nextBoolean();
  }

  private byte[] bytes() {
    byte[] b = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(300)];
    random.nextBytes(b);
    return b;
  }

  private List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    int n = random.nextInt(5);
    for (int i = 0; i < n; i++) {
      EntryType type = random.nextInt(5) == 0 ? EntryType.CONF_CHANGE : EntryType.NORMAL;
      entries.add(new Entry(num(), num(), type, bytes()));
    }
    return entries;
  }

  private SnapshotMetadata metadata() {
    Set<Long> voters = new HashSet<>();
    Set<Long> learners = new HashSet<>();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      long id = 1 + (random.nextBoolean() ? random.nextInt(10) : random.nextLong() >>> 1);
      if (random.nextInt(3) == 0) {
        if (!voters.contains(id)) {
          learners.add(id);
        }
      } else if (!learners.contains(id)) {
        voters.add(id);
      }
    }
    return new SnapshotMetadata(
        Math.abs(num() >>> 1), Math.abs(num() >>> 1), new ConfState(voters, learners));
  }

  /** Asserts equality, comparing InstallSnapshot's byte[] by content. */
  static void assertSameMessage(Message actual, Message expected) {
    if (expected instanceof Message.InstallSnapshot e) {
      assertThat(actual).isInstanceOf(Message.InstallSnapshot.class);
      Message.InstallSnapshot a = (Message.InstallSnapshot) actual;
      assertThat(a).usingRecursiveComparison().ignoringFields("data").isEqualTo(e);
      assertThat(a.data()).isEqualTo(e.data());
    } else {
      assertThat(actual).isEqualTo(expected);
    }
  }
}
