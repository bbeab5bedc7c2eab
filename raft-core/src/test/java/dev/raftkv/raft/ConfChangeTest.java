package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfChangeTest {

  @Test
  void withoutContextEncodesTheOriginalNineBytes() {
    byte[] b = new ConfChange(ConfChange.Type.ADD_LEARNER, 0x0102030405060708L).encode();
    assertArrayEquals(new byte[] {1, 1, 2, 3, 4, 5, 6, 7, 8}, b);
    ConfChange back = ConfChange.decode(b);
    assertEquals(new ConfChange(ConfChange.Type.ADD_LEARNER, 0x0102030405060708L), back);
    assertEquals(0, back.context().length);
  }

  @Test
  void contextRoundTripsAndTakesNoPartInTheMembership() {
    byte[] ctx = "http://127.0.0.1:2380".getBytes(StandardCharsets.UTF_8);
    ConfChange cc = new ConfChange(ConfChange.Type.ADD_VOTER, 7, ctx);
    ConfChange back = ConfChange.decode(cc.encode());
    assertEquals(cc, back);
    assertArrayEquals(ctx, back.context());
    assertEquals(
        new ConfChange(ConfChange.Type.ADD_VOTER, 7).applyTo(ConfState.EMPTY),
        back.applyTo(ConfState.EMPTY));
  }

  @Test
  void contextIsCopiedInAndOut() {
    byte[] ctx = {1, 2};
    ConfChange cc = new ConfChange(ConfChange.Type.REMOVE, 3, ctx);
    ctx[0] = 9;
    cc.context()[1] = 9;
    assertArrayEquals(new byte[] {1, 2}, cc.context());
  }

  @Test
  void refusesShortDataAndUnknownTypes() {
    assertThrows(IllegalArgumentException.class, () -> ConfChange.decode(new byte[8]));
    byte[] bad = new ConfChange(ConfChange.Type.REMOVE, 3).encode();
    bad[0] = 5;
    assertThrows(IllegalArgumentException.class, () -> ConfChange.decode(bad));
  }

  @Test
  void bootstrapCarriesEachFoundingMembersContext() {
    List<Entry> entries = Bootstrap.entries(Map.of(2L, new byte[] {2}, 1L, new byte[] {1, 1}));
    assertEquals(2, entries.size());
    assertEquals(1, ConfChange.decode(entries.get(0).data()).nodeId());
    assertArrayEquals(new byte[] {1, 1}, ConfChange.decode(entries.get(0).data()).context());
    assertArrayEquals(new byte[] {2}, ConfChange.decode(entries.get(1).data()).context());
  }
}
