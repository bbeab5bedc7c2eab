package dev.raftkv.testkit.lin;

import java.util.ArrayList;
import java.util.List;

/**
 * A terse builder of hand-made histories: ids are assigned in call order, times are given as {@code
 * [invoke, complete]}, {@code rev} is the header revision ({@code -1}: not recorded).
 */
final class H {
  private final List<Op> ops = new ArrayList<>();

  List<Op> ops() {
    return List.copyOf(ops);
  }

  Op add(Op op) {
    ops.add(op);
    return op;
  }

  private Op invoke(
      int client, OpKind kind, String key, String value, String expect, long expectMod, long t) {
    return Op.invoke(ops.size() + 1, client, kind, key, value, expect, expectMod, t);
  }

  Op put(int client, String key, String value, long invoke, long complete, long rev) {
    return add(
        invoke(client, OpKind.PUT, key, value, null, -1, invoke)
            .completeWrite(complete, false, rev));
  }

  Op put(int client, String key, String value, long invoke, long complete) {
    return put(client, key, value, invoke, complete, -1);
  }

  Op putUnknown(int client, String key, String value, long invoke) {
    return add(invoke(client, OpKind.PUT, key, value, null, -1, invoke));
  }

  Op putFailed(int client, String key, String value, long invoke, long complete) {
    return add(invoke(client, OpKind.PUT, key, value, null, -1, invoke).failed(complete));
  }

  /** A get with full metadata; {@code value} null means the key was absent. */
  Op get(
      int client,
      String key,
      long invoke,
      long complete,
      String value,
      long modRev,
      long version,
      long rev) {
    return add(
        invoke(client, OpKind.GET, key, null, null, -1, invoke)
            .completeGet(complete, value, modRev, -1, version, rev));
  }

  /** A get of the value only. */
  Op get(int client, String key, long invoke, long complete, String value) {
    return get(client, key, invoke, complete, value, -1, -1, -1);
  }

  Op delete(int client, String key, long invoke, long complete, boolean deleted, long rev) {
    return add(
        invoke(client, OpKind.DELETE, key, null, null, -1, invoke)
            .completeWrite(complete, deleted, rev));
  }

  Op deleteUnknown(int client, String key, long invoke) {
    return add(invoke(client, OpKind.DELETE, key, null, null, -1, invoke));
  }

  Op casValue(
      int client,
      String key,
      String expect,
      String value,
      long invoke,
      long complete,
      boolean succeeded,
      long rev) {
    return add(
        invoke(client, OpKind.CAS, key, value, expect, -1, invoke)
            .completeWrite(complete, succeeded, rev));
  }

  Op casModRev(
      int client,
      String key,
      long expectModRev,
      String value,
      long invoke,
      long complete,
      boolean succeeded,
      long rev) {
    return add(
        invoke(client, OpKind.CAS, key, value, null, expectModRev, invoke)
            .completeWrite(complete, succeeded, rev));
  }

  Op casModRevUnknown(int client, String key, long expectModRev, String value, long invoke) {
    return add(invoke(client, OpKind.CAS, key, value, null, expectModRev, invoke));
  }
}
