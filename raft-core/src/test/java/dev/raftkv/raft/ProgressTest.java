package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
  private static Progress progress(long match, long next) {
    return new Progress(match, next, 2, 1 << 20, false);
  }

  @Test
  void probeSendsOneAppendThenWaits() {
    Progress p = progress(0, 5);
    assertThat(p.isPaused()).isFalse();
    p.sentEntries(3, 7, 300);
    assertThat(p.isPaused()).isTrue();
    assertThat(p.next).as("probe does not move next optimistically").isEqualTo(5);
  }

  @Test
  void replicatePipelinesUntilInflightsAreFull() {
    Progress p = progress(4, 5);
    p.becomeReplicate();
    p.sentEntries(2, 6, 10);
    assertThat(p.next).isEqualTo(7);
    assertThat(p.isPaused()).isFalse();
    p.sentEntries(2, 8, 10);
    assertThat(p.isPaused()).isTrue();
    assertThat(p.maybeUpdate(6)).isTrue();
    p.inflights.freeLE(6);
    assertThat(p.isPaused()).isFalse();
  }

  @Test
  void staleAcknowledgementChangesNothing() {
    Progress p = progress(6, 7);
    assertThat(p.maybeUpdate(4)).isFalse();
    assertThat(p.match).isEqualTo(6);
  }

  @Test
  void rejectionInProbeJumpsToTheHintButNotBelowMatch() {
    Progress p = progress(2, 10);
    assertThat(p.maybeDecrTo(9, 4)).isTrue();
    assertThat(p.next).isEqualTo(5);
    // A rejection of an older probe (prevIndex 9 again, but next is now 5) is stale.
    assertThat(p.maybeDecrTo(9, 1)).isFalse();
    assertThat(p.maybeDecrTo(4, 0)).isTrue();
    assertThat(p.next).as("never below match + 1").isEqualTo(3);
  }

  @Test
  void rejectionInReplicateFallsBackToMatch() {
    Progress p = progress(5, 6);
    p.becomeReplicate();
    p.sentEntries(3, 8, 30);
    assertThat(p.maybeDecrTo(4, 0)).as("at or below match: stale").isFalse();
    assertThat(p.maybeDecrTo(7, 3)).isTrue();
    assertThat(p.next).isEqualTo(6);
  }
}
