package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvCommandsTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static RequestOp randomOp(Random r, int depth) {
    switch (r.nextInt(depth > 2 ? 3 : 4)) {
      case 0 -> {
        return new Put(
            b("k" + r.nextInt(9)),
            b("v" + r.nextInt()),
            r.nextInt(3),
            r.nextBoolean(),
            r.nextBoolean(),
            r.nextBoolean());
      }
      case 1 -> {
        return new DeleteRange(
            b("k" + r.nextInt(9)), r.nextBoolean() ? null : b("z"), r.nextBoolean());
      }
      case 2 -> {
        return new Range(
            b("a"),
            r.nextBoolean() ? null : new byte[] {0},
            r.nextInt(10),
            r.nextInt(5),
            Range.SortOrder.values()[r.nextInt(3)],
            Range.SortTarget.values()[r.nextInt(Range.SortTarget.values().length)],
            r.nextBoolean(),
            r.nextBoolean(),
            r.nextInt(3),
            r.nextInt(3),
            r.nextInt(3),
            r.nextInt(3));
      }
      default -> {
        List<Compare> cmp = new ArrayList<>();
        for (int i = 0; i < r.nextInt(3); i++) {
          cmp.add(
              new Compare(
                  b("k" + i),
                  null,
                  Compare.Target.values()[r.nextInt(Compare.Target.values().length)],
                  Compare.Result.values()[r.nextInt(Compare.Result.values().length)],
                  r.nextInt(7),
                  b("v")));
        }
        List<RequestOp> ok = new ArrayList<>();
        List<RequestOp> ko = new ArrayList<>();
        for (int i = 0; i < r.nextInt(3); i++) {
          ok.add(randomOp(r, depth + 1));
          ko.add(randomOp(r, depth + 1));
        }
        return new Txn(cmp, ok, ko);
      }
    }
  }

  @Test
  void everyOpRoundTripsToTheSameBytes() {
    Random r = new Random(42);
    for (int i = 0; i < 2000; i++) {
      Op op =
          i % 50 == 0 ? new Compact(i) : i % 51 == 0 ? new LeaseRevokeRequest(i) : randomOp(r, 0);
      byte[] enc = KvCommands.encode(op);
      Op back = KvCommands.decode(enc);
      assertThat(back.getClass()).isEqualTo(op.getClass());
      assertThat(KvCommands.encode(back)).isEqualTo(enc);
    }
  }

  @Test
  void fieldsSurviveTheRoundTrip() {
    Put p =
        (Put)
            KvCommands.decode(KvCommands.encode(new Put(b("key"), b("val"), 7, true, false, true)));
    assertThat(new String(p.key(), StandardCharsets.UTF_8)).isEqualTo("key");
    assertThat(new String(p.value(), StandardCharsets.UTF_8)).isEqualTo("val");
    assertThat(p.lease()).isEqualTo(7);
    assertThat(p.prevKv()).isTrue();
    assertThat(p.ignoreValue()).isFalse();
    assertThat(p.ignoreLease()).isTrue();
  }

  @Test
  void badDataIsRefusedWithANamedReason() {
    byte[] good = KvCommands.encode(Put.of(b("k"), b("v")));
    byte[] badVersion = good.clone();
    badVersion[0] = 9;
    assertThatThrownBy(() -> KvCommands.decode(badVersion)).hasMessageContaining("version 9");
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
    assertThatThrownBy(() -> KvCommands.decode(truncated)).hasMessageContaining("truncated");
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 2);
    assertThatThrownBy(() -> KvCommands.decode(trailing)).hasMessageContaining("after the command");
    assertThatThrownBy(() -> KvCommands.decode(new byte[] {1, 99}))
        .hasMessageContaining("unknown command tag 99");
  }

  @Test
  void randomBytesFailOnlyWithBadCommand() {
    Random r = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[r.nextInt(40)];
      r.nextBytes(junk);
      if (junk.length > 0) {
        junk[0] = 1;
      }
      try {
        KvCommands.decode(junk);
      } catch (KvCommands.BadCommandException expected) {
        // fine
      }
    }
  }
}
