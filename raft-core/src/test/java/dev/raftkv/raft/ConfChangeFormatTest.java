package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stored encoding of a {@link ConfChange} (it lives in WAL entries for ever) against a golden
 * file. A failure here means an existing log would be read differently: change the format only with
 * a new code or version, never by editing {@code golden/conf-change.txt} to match.
 */
class ConfChangeFormatTest {
  private static Map<String, ConfChange> samples() {
    Map<String, ConfChange> s = new LinkedHashMap<>();
    s.put("add-voter", new ConfChange(ConfChange.Type.ADD_VOTER, 1));
    s.put("add-learner", new ConfChange(ConfChange.Type.ADD_LEARNER, 0x0102030405060708L));
    s.put("remove", new ConfChange(ConfChange.Type.REMOVE, Long.MAX_VALUE));
    s.put(
        "add-voter-with-context",
        new ConfChange(
            ConfChange.Type.ADD_VOTER,
            7,
            "http://127.0.0.1:2380".getBytes(StandardCharsets.US_ASCII)));
    return s;
  }

  @Test
  void encodingsMatchTheGoldenFileAndDecodeBack() throws IOException {
    StringBuilder actual = new StringBuilder();
    samples().forEach((name, cc) -> actual.append(name).append(' ').append(hex(cc.encode())));
    assertThat(actual.toString()).isEqualTo(golden());
    for (String line : golden().split("\n")) {
      String[] f = line.split(" ");
      assertThat(ConfChange.decode(HexFormat.of().parseHex(f[1])))
          .as(f[0])
          .isEqualTo(samples().get(f[0]));
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b) + "\n";
  }

  private static String golden() throws IOException {
    try (InputStream in =
        ConfChangeFormatTest.class.getResourceAsStream("/golden/conf-change.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
