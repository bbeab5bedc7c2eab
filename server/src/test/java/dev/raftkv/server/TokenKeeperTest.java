package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.AuthRequest;
import dev.raftkv.kv.KvStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens a member keeps follow the applied auth changes, and a snapshot restore drops them. */
class TokenKeeperTest {
  @TempDir Path dir;

  @Test
  void issuedRevokedAndDroppedAtARestore() {
    try (KvStore store = KvStore.open(dir.resolve("db"))) {
      SimpleTokens tokens = new SimpleTokens(Duration.ofMinutes(5), System::nanoTime);
      TokenKeeper keeper = new TokenKeeper(store, tokens);
      long i = 0;
      keeper.applied(
          List.of(
              store.apply(++i, List.of(new AuthRequest.UserAdd("root", "$2a$04$h", false))),
              store.apply(++i, List.of(new AuthRequest.UserGrantRole("root", "root"))),
              store.apply(++i, List.of(new AuthRequest.Enable()))));
      long rev = store.auth().revision();
      keeper.applied(
          List.of(store.apply(++i, List.of(new AuthRequest.Authenticate("root", "abc", rev)))));
      assertThat(tokens.info("abc.4", rev)).isEqualTo(new AuthInfo("root", rev));
      keeper.restored(store.revision());
      assertThat(tokens.info("abc.4", rev)).isNull();
      keeper.applied(
          List.of(store.apply(++i, List.of(new AuthRequest.Authenticate("root", "def", rev)))));
      assertThat(tokens.info("def.5", rev)).isNotNull();
      keeper.applied(
          List.of(
              store.apply(
                  ++i, List.of(new dev.raftkv.kv.Authed("root", rev, new AuthRequest.Disable())))));
      assertThat(tokens.size()).isZero();
    }
  }
}
