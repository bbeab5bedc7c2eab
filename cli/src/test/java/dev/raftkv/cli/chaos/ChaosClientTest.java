package dev.raftkv.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class ChaosClientTest {
  @Test
  void onlyRefusalsBeforeProposingAreDefiniteFailures() {
    assertThat(
            ChaosClient.isDefiniteFailure(
                Status.UNAVAILABLE.withDescription("etcdserver: no leader")))
        .isTrue();
    assertThat(
            ChaosClient.isDefiniteFailure(
                Status.UNAVAILABLE.withDescription("etcdserver: leader changed")))
        .isTrue();
    assertThat(ChaosClient.isDefiniteFailure(Status.INVALID_ARGUMENT)).isTrue();
    // A server-side timeout, a lost connection or a deadline may hide an applied write.
    assertThat(
            ChaosClient.isDefiniteFailure(
                Status.UNAVAILABLE.withDescription("etcdserver: request timed out")))
        .isFalse();
    assertThat(ChaosClient.isDefiniteFailure(Status.UNAVAILABLE.withDescription("io exception")))
        .isFalse();
    assertThat(ChaosClient.isDefiniteFailure(Status.UNAVAILABLE)).isFalse();
    assertThat(ChaosClient.isDefiniteFailure(Status.DEADLINE_EXCEEDED)).isFalse();
    assertThat(ChaosClient.isDefiniteFailure(Status.CANCELLED)).isFalse();
  }
}
