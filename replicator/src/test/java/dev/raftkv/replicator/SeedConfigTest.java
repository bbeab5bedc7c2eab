package dev.raftkv.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedConfigTest {
  @TempDir Path dir;

  /** The example of seed document 000, as printed there (tabs and blank lines included). */
  private static final String SEED_EXAMPLE =
      """
      \t{

              "selfHandle":"tcp://127.0.0.1:",\s

              "peersPid": "1,2",

              "peersHandle":"tcp://127.0.0.1:",

              "startAddress":5000,

              "startMsgId":1000,

              "bufSize":5000,

      \t"timeOutMin":100,

      \t"timeOutRand":200

      \t}
      """;

  @Test
  void readsTheSeedDocumentsExampleAndMapsEveryField() throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(f, SEED_EXAMPLE);
    SeedConfig c = SeedConfig.read(f);
    assertThat(c.members()).containsExactly(1L, 2L);
    assertThat(c.port(2)).isEqualTo(5002);
    assertThat(c.addresses(1))
        .containsEntry(1L, new InetSocketAddress(InetAddress.getLoopbackAddress(), 5001))
        .containsEntry(2L, new InetSocketAddress(InetAddress.getLoopbackAddress(), 5002));
    assertThat(c.startMsgId()).isEqualTo(1000);
    assertThat(c.bufSize()).isEqualTo(5000);
    assertThat(c.tickMs()).isEqualTo(10);
    assertThat(c.electionTicks()).isEqualTo(List.of(10, 30));
  }

  @Test
  void errorsNameTheFileAndTheField() throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(
        f,
        "{\"selfHandle\":\"tcp://127.0.0.1:\",\"peersPid\":\"1,x\",\"startAddress\":5000,\"timeOutMin\":100}");
    assertThatThrownBy(() -> SeedConfig.read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad.json")
        .hasMessageContaining("peersPid")
        .hasMessageContaining("'x'");
    Files.writeString(
        f, "{\"selfHandle\":\"tcp://127.0.0.1:\",\"peersPid\":\"1\",\"timeOutMin\":100}");
    assertThatThrownBy(() -> SeedConfig.read(f))
        .hasMessageContaining("\"startAddress\" is missing");
    Files.writeString(f, "{\"selfHandle\": 7}");
    assertThatThrownBy(() -> SeedConfig.read(f))
        .hasMessageContaining("\"selfHandle\" must be a string");
    Files.writeString(f, "{\"selfHandle\": \"x\",\n \"peersPid\" \"1\"}");
    assertThatThrownBy(() -> SeedConfig.read(f)).hasMessageContaining("line 2, column 13");
  }
}
