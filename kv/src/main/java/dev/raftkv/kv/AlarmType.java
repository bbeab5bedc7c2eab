package dev.raftkv.kv;

/**
 * etcd's alarm types ({@code etcdserverpb.AlarmType}), each with etcd's number as its explicit code
 * (stored in the log and in the store; never the ordinal).
 */
public enum AlarmType {
  /** No type: in a GET, every alarm. */
  NONE(0),
  /** The store exceeded its space quota: writes are refused until the alarm is disarmed. */
  NOSPACE(1),
  /** A member's data was found corrupt. */
  CORRUPT(2);

  private final int code;

  AlarmType(int code) {
    this.code = code;
  }

  /** etcd's number for the type. */
  public int code() {
    return code;
  }

  /** The type whose code is {@code code}. */
  public static AlarmType ofCode(int code) {
    for (AlarmType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown alarm type " + code);
  }
}
