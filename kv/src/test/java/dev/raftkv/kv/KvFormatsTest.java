package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kv module's durable formats against a golden file: the commands stored in Raft log entries
 * ({@link KvCommands}, every op and every enum code) and the records of the RocksDB families
 * ({@link Codec}, {@link Members}). A log or a store written by an earlier build must read the
 * same: change a format only with a new tag, code or format version, never by editing {@code
 * golden/kv-formats.txt} to match.
 */
class KvFormatsTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Stored commands: each decodes and encodes back to the same bytes. */
  private static Map<String, byte[]> commands() {
    Map<String, byte[]> s = new LinkedHashMap<>();
    s.put("cmd-put", KvCommands.encode(new Put(b("k"), b("v"), 7, true, false, false)));
    s.put("cmd-put-ignore", KvCommands.encode(new Put(b("k"), null, 0, false, true, true)));
    s.put("cmd-delete", KvCommands.encode(new DeleteRange(b("a"), b("b"), true)));
    for (Range.SortOrder o : Range.SortOrder.values()) {
      for (Range.SortTarget t : Range.SortTarget.values()) {
        Range r = new Range(b("a"), b("z"), 10, 3, o, t, true, false, 1, 2, 3, 4);
        s.put(
            "cmd-range-"
                + o.name().toLowerCase(Locale.ROOT)
                + "-"
                + t.name().toLowerCase(Locale.ROOT),
            KvCommands.encode(new Txn(List.of(), List.of(r), List.of())));
      }
    }
    List<Compare> compares = new ArrayList<>();
    for (Compare.Target t : Compare.Target.values()) {
      for (Compare.Result r : Compare.Result.values()) {
        compares.add(new Compare(b("c"), b("d"), t, r, 5, b("x")));
      }
    }
    s.put(
        "cmd-txn",
        KvCommands.encode(
            new Txn(
                compares,
                List.of(Put.of("k", "v")),
                List.of(new DeleteRange(b("k"), null, false)))));
    s.put("cmd-compact", KvCommands.encode(new Compact(42)));
    s.put("cmd-lease-grant", KvCommands.encode(new LeaseGrantRequest(0x1234, 60)));
    s.put("cmd-lease-revoke", KvCommands.encode(new LeaseRevokeRequest(0x1234)));
    s.put(
        "cmd-member-publish",
        KvCommands.encode(new MemberPublishRequest(2, "m2", List.of("http://127.0.0.1:2379"))));
    s.put(
        "cmd-member-update",
        KvCommands.encode(new MemberUpdateRequest(2, List.of("http://127.0.0.1:2380"))));
    s.put("cmd-auth-enable", KvCommands.encode(new AuthRequest.Enable()));
    s.put("cmd-auth-disable", KvCommands.encode(new AuthRequest.Disable()));
    s.put(
        "cmd-authenticate",
        KvCommands.encode(new AuthRequest.Authenticate("root", "abcdefghijklmnop", 9)));
    s.put("cmd-user-add", KvCommands.encode(new AuthRequest.UserAdd("u", "$2a$10$h", false)));
    s.put("cmd-user-add-no-password", KvCommands.encode(new AuthRequest.UserAdd("u", null, true)));
    s.put("cmd-user-delete", KvCommands.encode(new AuthRequest.UserDelete("u")));
    s.put(
        "cmd-user-change-password",
        KvCommands.encode(new AuthRequest.UserChangePassword("u", "$2a$10$h")));
    s.put("cmd-user-grant-role", KvCommands.encode(new AuthRequest.UserGrantRole("u", "r")));
    s.put("cmd-user-revoke-role", KvCommands.encode(new AuthRequest.UserRevokeRole("u", "r")));
    s.put("cmd-role-add", KvCommands.encode(new AuthRequest.RoleAdd("r")));
    s.put("cmd-role-delete", KvCommands.encode(new AuthRequest.RoleDelete("r")));
    for (Permission.Type t : Permission.Type.values()) {
      s.put(
          "cmd-role-grant-" + t.name().toLowerCase(Locale.ROOT),
          KvCommands.encode(
              new AuthRequest.RoleGrantPermission("r", new Permission(t, b("a"), b("b")))));
    }
    s.put(
        "cmd-role-revoke-permission",
        KvCommands.encode(new AuthRequest.RoleRevokePermission("r", b("a"), null)));
    s.put("cmd-authed-put", KvCommands.encode(new Authed("u", 5, Put.of("k", "v"))));
    s.put(
        "cmd-server-lease-revoke",
        KvCommands.encode(new ServerRequest(new LeaseRevokeRequest(0x1234))));
    s.put(
        "cmd-alarm-get",
        KvCommands.encode(new AlarmRequest(AlarmRequest.Action.GET, 0, AlarmType.NONE)));
    s.put(
        "cmd-alarm-activate-nospace",
        KvCommands.encode(
            new AlarmRequest(AlarmRequest.Action.ACTIVATE, 0x1234, AlarmType.NOSPACE)));
    s.put(
        "cmd-alarm-deactivate-corrupt",
        KvCommands.encode(
            new AlarmRequest(AlarmRequest.Action.DEACTIVATE, 0x1234, AlarmType.CORRUPT)));
    return s;
  }

  /** RocksDB records and member encodings. */
  private static Map<String, byte[]> records() {
    Member m =
        new Member(
            3, "m3", List.of("http://10.0.0.3:2380"), List.of("http://10.0.0.3:2379"), false);
    Map<String, byte[]> s = new LinkedHashMap<>();
    s.put("kv-key", Codec.kvKey(Codec.group(new byte[] {'a', 0, 'b'}), 9, 1));
    s.put("kv-put-value", Codec.putValue(5, 2, 0x1234, b("v")));
    s.put("kv-tombstone", Codec.tombstoneValue());
    s.put("rev-key", Codec.revKey(9, 1));
    s.put("rev-value", Codec.revValue(Codec.PUT, b("ab")));
    s.put("lease-key", Codec.leaseKey(0x1234, b("k")));
    s.put("meta-long", Codec.longBytes(Codec.FORMAT_VERSION));
    s.put("member", Members.encode(m));
    s.put("member-context", Members.encodeContext(List.of("http://10.0.0.3:2380")));
    s.put("member-list", Members.encodeList(List.of(m, m.withPeerUrls(List.of()))));
    s.put("auth-user-key", AuthRecords.userKey("u"));
    s.put("auth-user", AuthRecords.encode(new AuthUser("u", "$2a$10$h", false, List.of("r", "a"))));
    s.put("auth-user-no-password", AuthRecords.encode(new AuthUser("n", null, true, List.of())));
    s.put("auth-role-key", AuthRecords.roleKey("r"));
    s.put(
        "auth-role",
        AuthRecords.encode(
            new AuthRole(
                "r",
                List.of(
                    new Permission(Permission.Type.READ, b("a"), null),
                    new Permission(Permission.Type.WRITE, b("b"), b("c")),
                    new Permission(Permission.Type.READWRITE, b("d"), new byte[] {0})))));
    s.put("auth-enabled-key", AuthRecords.ENABLED);
    s.put("auth-revision-key", AuthRecords.REVISION);
    s.put("alarm-key", Alarms.key(new AlarmMember(0x1234, AlarmType.NOSPACE)));
    return s;
  }

  @Test
  void formatsMatchTheGoldenFile() throws IOException {
    StringBuilder actual = new StringBuilder();
    Map<String, byte[]> all = new LinkedHashMap<>(commands());
    all.putAll(records());
    all.forEach((name, bytes) -> actual.append(name).append(' ').append(hex(bytes)).append('\n'));
    assertThat(actual.toString()).isEqualTo(golden());
  }

  /** Prints the formats as the golden file holds them (for a new entry, checked by hand). */
  static String current() {
    StringBuilder actual = new StringBuilder();
    Map<String, byte[]> all = new LinkedHashMap<>(commands());
    all.putAll(records());
    all.forEach((name, bytes) -> actual.append(name).append(' ').append(hex(bytes)).append('\n'));
    return actual.toString();
  }

  @Test
  void goldenCommandsDecodeAndEncodeBackToTheSameBytes() throws IOException {
    for (String line : golden().split("\n")) {
      String[] f = line.split(" ");
      if (f[0].startsWith("cmd-")) {
        byte[] stored = HexFormat.of().parseHex(f[1]);
        assertThat(hex(KvCommands.encode(KvCommands.decode(stored)))).as(f[0]).isEqualTo(f[1]);
      }
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static String golden() throws IOException {
    try (InputStream in = KvFormatsTest.class.getResourceAsStream("/golden/kv-formats.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
