package dev.raftkv.kv;

import java.util.Objects;

/**
 * etcd's {@code Maintenance.Alarm} request, which goes through the log as etcd's does: GET lists
 * the alarms of {@code type} (every alarm for {@link AlarmType#NONE}), ACTIVATE raises {@code type}
 * for {@code memberId}, DEACTIVATE disarms it. While a {@link AlarmType#NOSPACE} alarm is raised
 * the store refuses puts, txns with a put and lease grants (etcd's capped applier).
 *
 * @param action what to do
 * @param memberId the member the alarm is raised for or disarmed (ignored by GET)
 * @param type the alarm's type
 */
public record AlarmRequest(Action action, long memberId, AlarmType type) implements Op {
  public AlarmRequest {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(type, "type");
  }

  /** etcd's {@code AlarmRequest.AlarmAction}, with etcd's numbers as explicit codes. */
  public enum Action {
    GET(0),
    ACTIVATE(1),
    DEACTIVATE(2);

    private final int code;

    Action(int code) {
      this.code = code;
    }

    /** etcd's number for the action. */
    public int code() {
      return code;
    }
  }

  /**
   * The answer, as etcd's: for GET the alarms listed; for ACTIVATE the alarm (raised now or
   * before); for DEACTIVATE the alarm disarmed, or none when it was not raised.
   *
   * @param revision the store revision (alarms never change it)
   * @param alarms the alarms, ordered by type code then member id (as unsigned)
   */
  public record Result(long revision, java.util.List<AlarmMember> alarms) implements Response {
    public Result {
      alarms = java.util.List.copyOf(alarms);
    }
  }
}
