package dev.raftkv.kv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The raised alarms (etcd's {@code AlarmStore}): immutable, replaced whole by each change. Kept in
 * the {@code meta} family under {@code alarm/} ++ type code (1 byte) ++ member id (8 bytes,
 * big-endian) with an empty value, so they are in every checkpoint (snapshot) and survive a
 * restart.
 */
final class Alarms {
  static final Alarms EMPTY = new Alarms(List.of());

  private static final byte[] PREFIX = Bytes.of("alarm/");

  private static final Comparator<AlarmMember> ORDER =
      Comparator.comparingInt((AlarmMember a) -> a.type().code())
          .thenComparing(AlarmMember::memberId, Long::compareUnsigned);

  private final List<AlarmMember> all;
  private final boolean noSpace;

  private Alarms(List<AlarmMember> all) {
    this.all = List.copyOf(all);
    this.noSpace = all.stream().anyMatch(a -> a.type() == AlarmType.NOSPACE);
  }

  /** Every alarm, ordered by type code then member id. */
  List<AlarmMember> all() {
    return all;
  }

  /** The alarms of {@code type}, or every alarm for {@link AlarmType#NONE}. */
  List<AlarmMember> get(AlarmType type) {
    return type == AlarmType.NONE ? all : all.stream().filter(a -> a.type() == type).toList();
  }

  /** Whether a NOSPACE alarm is raised (for any member). */
  boolean noSpace() {
    return noSpace;
  }

  boolean contains(AlarmMember a) {
    return all.contains(a);
  }

  Alarms with(AlarmMember a) {
    if (contains(a)) {
      return this;
    }
    List<AlarmMember> out = new ArrayList<>(all);
    out.add(a);
    out.sort(ORDER);
    return new Alarms(out);
  }

  Alarms without(AlarmMember a) {
    List<AlarmMember> out = new ArrayList<>(all);
    out.remove(a);
    return new Alarms(out);
  }

  /** The store key of {@code a}. */
  static byte[] key(AlarmMember a) {
    return ByteBuffer.allocate(PREFIX.length + 9)
        .put(PREFIX)
        .put((byte) a.type().code())
        .putLong(a.memberId())
        .array();
  }

  /** Reads the alarms stored in {@code meta}. */
  static Alarms load(Source source, ColumnFamilyHandle meta) {
    List<AlarmMember> out = new ArrayList<>();
    try (RocksIterator it = source.iterator(meta)) {
      for (it.seek(PREFIX); it.isValid() && Codec.startsWith(it.key(), PREFIX); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(it.key(), PREFIX.length, it.key().length - PREFIX.length);
        if (k.remaining() != 9) {
          throw new IllegalStateException("corrupt alarm record of " + it.key().length + " bytes");
        }
        AlarmType type = AlarmType.ofCode(k.get() & 0xff);
        out.add(new AlarmMember(k.getLong(), type));
      }
    }
    out.sort(ORDER);
    return new Alarms(out);
  }

  /** Applies {@code r} on top of this state, writing the change to {@code batch}. */
  Outcome apply(AlarmRequest r, WriteBatchWithIndex batch, ColumnFamilyHandle meta, long revision)
      throws RocksDBException {
    switch (r.action()) {
      case GET -> {
        return new Outcome(this, new AlarmRequest.Result(revision, get(r.type())));
      }
      case ACTIVATE -> {
        if (r.type() == AlarmType.NONE) {
          // etcd stores it and then warns "unimplemented alarm activation"; raftkv refuses the
          // meaningless alarm up front and changes nothing
          return new Outcome(this, new AlarmRequest.Result(revision, List.of()));
        }
        AlarmMember a = new AlarmMember(r.memberId(), r.type());
        if (contains(a)) {
          return new Outcome(this, new AlarmRequest.Result(revision, List.of(a)));
        }
        batch.put(meta, key(a), Bytes.EMPTY);
        return new Outcome(with(a), new AlarmRequest.Result(revision, List.of(a)));
      }
      case DEACTIVATE -> {
        if (r.type() == AlarmType.NONE) {
          return new Outcome(this, new AlarmRequest.Result(revision, List.of()));
        }
        AlarmMember a = new AlarmMember(r.memberId(), r.type());
        if (!contains(a)) {
          return new Outcome(this, new AlarmRequest.Result(revision, List.of()));
        }
        batch.delete(meta, key(a));
        return new Outcome(without(a), new AlarmRequest.Result(revision, List.of(a)));
      }
    }
    throw new IllegalArgumentException("unknown alarm action " + r.action());
  }

  /** The state after an alarm request and its answer. */
  record Outcome(Alarms state, AlarmRequest.Result response) {}
}
