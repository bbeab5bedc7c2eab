package dev.raftkv.kv;

/**
 * One raised alarm: etcd's {@code AlarmMember}.
 *
 * @param memberId the member it was raised for
 * @param type what it is (never {@link AlarmType#NONE})
 */
public record AlarmMember(long memberId, AlarmType type) {
  public AlarmMember {
    if (type == null || type == AlarmType.NONE) {
      throw new IllegalArgumentException("an alarm needs a type, not " + type);
    }
  }
}
