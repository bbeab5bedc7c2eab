package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecTest {

  private static byte[] randomKey(Random r) {
    byte[] k = new byte[1 + r.nextInt(4)];
    for (int i = 0; i < k.length; i++) {
      // mostly the bytes that matter to the escaping: 0x00, 0x01, 0xff
      int pick = r.nextInt(4);
      k[i] = (byte) (pick == 0 ? 0 : pick == 1 ? 1 : pick == 2 ? 0xff : r.nextInt(256));
    }
    return k;
  }

  @Test
  void kvKeysSortByUserKeyThenNewestRevisionFirst() {
    Random r = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] a = randomKey(r);
      byte[] b = randomKey(r);
      long ra = 1L + r.nextInt(1000);
      long rb = 1L + r.nextInt(1000);
      byte[] ka = Codec.kvKey(Codec.group(a), ra, r.nextInt(3));
      byte[] kb = Codec.kvKey(Codec.group(b), rb, r.nextInt(3));
      int byKey = Integer.signum(Bytes.compare(a, b));
      int encoded = Integer.signum(Bytes.compare(ka, kb));
      if (byKey != 0) {
        assertThat(encoded).as("%s vs %s", Bytes.show(a), Bytes.show(b)).isEqualTo(byKey);
      } else if (ra != rb) {
        assertThat(encoded).isEqualTo(ra > rb ? -1 : 1);
      }
      assertThat(Codec.userKey(ka)).isEqualTo(a);
      assertThat(Codec.mainOf(ka)).isEqualTo(ra);
      // the group of a is a prefix of its kv keys and of no other key's
      assertThat(Codec.startsWith(kb, Codec.group(a))).isEqualTo(byKey == 0);
      // afterGroup lies between the group's keys and the next group
      assertThat(Bytes.compare(Codec.afterGroup(Codec.group(a)), ka)).isPositive();
      if (byKey < 0) {
        assertThat(Bytes.compare(Codec.afterGroup(Codec.group(a)), kb)).isNegative();
      }
    }
  }

  @Test
  void prefixEnd() {
    assertThat(Bytes.prefixEnd(Bytes.of("ab"))).isEqualTo(Bytes.of("ac"));
    assertThat(Bytes.prefixEnd(new byte[] {1, (byte) 0xff})).isEqualTo(new byte[] {2});
    assertThat(Bytes.prefixEnd(new byte[] {(byte) 0xff})).isEqualTo(Bytes.FROM_KEY);
  }
}
