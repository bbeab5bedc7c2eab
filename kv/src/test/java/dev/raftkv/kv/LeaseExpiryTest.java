package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lease expiry on a fake clock: deadlines, keep-alives, revokes and their retry, leadership and
 * terms. No wall-clock time passes; each step sets the clock.
 */
class LeaseExpiryTest {
  private static final long S = 1_000_000_000L;

  @TempDir Path tmp;
  private KvStore store;
  private long index;
  private long now = 1_000 * S;
  private Status status = status(Role.LEADER, 2);
  private final List<Long> revoked = new ArrayList<>();
  private LeaseExpiry expiry;

  private static Status status(Role role, long term) {
    return new Status(
        1, role, term, 0, role == Role.LEADER ? 1 : 2, 0, 0, 0, ConfState.EMPTY, Map.of(), 0);
  }

  @BeforeEach
  void open() {
    store = KvStore.open(tmp.resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
    expiry =
        new LeaseExpiry(
            () -> status,
            data -> {
              revoked.add(((LeaseRevokeRequest) KvCommands.decode(data)).leaseId());
              return CompletableFuture.completedFuture(null);
            },
            () -> store,
            () -> now);
  }

  @AfterEach
  void close() {
    expiry.close();
    store.close();
  }

  private void grant(long id, long ttlSeconds) {
    store.apply(++index, List.of(new LeaseGrantRequest(id, ttlSeconds))).results().get(0).orThrow();
    expiry.granted(id, ttlSeconds);
  }

  @Test
  void anUnrenewedLeaseIsRevokedAtItsDeadlineAndTheRevokeRetriedUntilItApplies() {
    grant(7, 10);
    now += 10 * S - 1;
    expiry.tick();
    assertThat(revoked).isEmpty();
    now += 1;
    expiry.tick();
    assertThat(revoked).containsExactly(7L);
    now += 3 * S - 1; // the revoke has not applied yet: not proposed again before 3 s
    expiry.tick();
    assertThat(revoked).containsExactly(7L);
    now += 1;
    expiry.tick();
    assertThat(revoked).containsExactly(7L, 7L);
  }

  @Test
  void aKeepAliveMovesTheDeadlineToNowPlusTtl() {
    grant(7, 10);
    now += 8 * S;
    assertThat(expiry.keepAlive(7)).isEqualTo(10);
    now += 9 * S; // 17 s after the grant, 9 after the keep-alive
    expiry.tick();
    assertThat(revoked).isEmpty();
    assertThat(expiry.timeToLive(7)).isEqualTo(new LeaseExpiry.Remaining(1, 10));
    now += S;
    expiry.tick();
    assertThat(revoked).containsExactly(7L);
    assertThat(expiry.keepAlive(7)).as("past its deadline: expired").isZero();
  }

  @Test
  void timeToLiveTruncatesAndAnUnknownLeaseHasNone() {
    grant(7, 10);
    now += 2 * S + S / 2;
    assertThat(expiry.timeToLive(7)).isEqualTo(new LeaseExpiry.Remaining(7, 10));
    assertThat(expiry.timeToLive(8)).isEqualTo(new LeaseExpiry.Remaining(-1, 0));
    assertThat(expiry.keepAlive(8)).isZero();
  }

  @Test
  void aFollowerKeepsNoDeadlinesAndRefusesKeepAlives() {
    grant(7, 10);
    status = status(Role.FOLLOWER, 2);
    now += 60 * S;
    expiry.tick();
    assertThat(revoked).isEmpty();
    assertThatThrownBy(() -> expiry.keepAlive(7))
        .isInstanceOf(LeaseExpiry.NotLeaderException.class);
    assertThatThrownBy(() -> expiry.timeToLive(7))
        .isInstanceOf(LeaseExpiry.NotLeaderException.class);
  }

  @Test
  void aNewTermAsLeaderGivesEveryLeaseAFullTtl() {
    grant(7, 10);
    now += 9 * S;
    status = status(Role.LEADER, 3); // an election happened: no lease expires because of it
    expiry.tick();
    now += 9 * S; // 18 s after the grant, 9 into the new term
    expiry.tick();
    assertThat(revoked).isEmpty();
    now += S;
    expiry.tick();
    assertThat(revoked).containsExactly(7L);
  }

  @Test
  void aLeaseGrantedThroughAnotherMemberGetsItsDeadlineWhenFirstSeen() {
    store.apply(++index, List.of(new LeaseGrantRequest(9, 5))).results().get(0).orThrow();
    now += 4 * S;
    expiry.tick(); // first seen now: deadline now + 5 s
    now += 5 * S - 1;
    expiry.tick();
    assertThat(revoked).isEmpty();
    now += 1;
    expiry.tick();
    assertThat(revoked).containsExactly(9L);
  }
}
