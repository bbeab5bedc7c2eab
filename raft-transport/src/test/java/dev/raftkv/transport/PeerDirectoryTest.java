package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.local.LocalAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {

  private static final InetSocketAddress A = InetSocketAddress.createUnresolved("a.example", 1);
  private static final InetSocketAddress B = InetSocketAddress.createUnresolved("b.example", 2);
  private static final InetSocketAddress C = InetSocketAddress.createUnresolved("c.example", 3);

  @Test
  void thePeerMapNeverNamesThisMemberAndWinsOverALearnedAddress() {
    PeerDirectory d = new PeerDirectory(1, Map.of(1L, A, 2L, B));
    assertThat(d.listed()).containsExactly(Map.entry(2L, B));
    assertThat(d.lists(1)).isFalse();
    assertThat(d.addressOf(1)).isNull();

    assertThat(d.learn(3, C)).isEqualTo(new PeerDirectory.Learned(false, null));
    assertThat(d.addressOf(3)).isEqualTo(C);
    assertThat(d.lists(3)).isFalse();
    d.learn(2, A); // a Hello from a listed member never gets here; the map would still win
    assertThat(d.addressOf(2)).isEqualTo(B);
  }

  @Test
  void replacingThePeerMapReportsWhatWasThereAndDropsAddressesItNowNames() {
    PeerDirectory d = new PeerDirectory(1, Map.of(2L, B));
    d.learn(3, C);
    d.learn(4, A);
    PeerDirectory.Before before = d.replace(Map.of(1L, A, 3L, B));
    assertThat(before.reachable()).isEqualTo(Map.of(2L, B, 3L, C, 4L, A));
    assertThat(before.listed()).containsExactly(2L);
    assertThat(d.listed()).isEqualTo(Map.of(3L, B));
    assertThat(d.learned()).isEqualTo(Map.of(4L, A));
    assertThat(d.addressOf(2)).isNull();
  }

  @Test
  void withAndWithoutAreCopiesOfThePeerMap() {
    PeerDirectory d = new PeerDirectory(1, Map.of(2L, B));
    assertThat(d.with(3, C)).isEqualTo(Map.of(2L, B, 3L, C));
    assertThat(d.with(2, A)).isEqualTo(Map.of(2L, A));
    assertThat(d.without(2)).isEmpty();
    assertThat(d.listed()).isEqualTo(Map.of(2L, B));
  }

  @Test
  void learningReportsTheAddressItReplaces() {
    PeerDirectory d = new PeerDirectory(1, Map.of());
    assertThat(d.learn(3, A)).isEqualTo(new PeerDirectory.Learned(false, null));
    assertThat(d.learn(3, A)).isEqualTo(new PeerDirectory.Learned(false, A));
    assertThat(d.learn(3, B)).isEqualTo(new PeerDirectory.Learned(false, A));
    assertThat(d.learned()).isEqualTo(Map.of(3L, B));
  }

  @Test
  void aRemovedMemberIsForgottenAndNotLearnedAgain() {
    PeerDirectory d = new PeerDirectory(1, Map.of(2L, B));
    d.learn(3, C);
    d.learn(4, A);
    assertThat(d.markRemoved(Set.of(3L, 2L))).containsExactlyInAnyOrder(2L, 3L);
    assertThat(d.isRemoved(3)).isTrue();
    assertThat(d.learned()).isEqualTo(Map.of(4L, A));
    assertThat(d.addressOf(2)).as("removal does not edit the peer map").isEqualTo(B);
    assertThat(d.learn(3, C).removed()).isTrue();
    assertThat(d.addressOf(3)).isNull();

    d.markRemoved(Set.of(2L)); // replaces the whole set
    assertThat(d.isRemoved(3)).isFalse();
    assertThat(d.learn(3, C)).isEqualTo(new PeerDirectory.Learned(false, null));
  }

  @Test
  void theAnswerAddressIsTheLiteralTheHelloGaveOrTheConnectionsSourceForAWildcard() {
    InetSocketAddress remote = new InetSocketAddress("127.0.0.2", 40000);
    assertThat(PeerDirectory.answerAddress(null, remote)).isNull();

    InetSocketAddress literal =
        PeerDirectory.answerAddress(InetSocketAddress.createUnresolved("10.1.2.3", 2380), remote);
    assertThat(literal.isUnresolved()).isFalse();
    assertThat(literal).isEqualTo(new InetSocketAddress("10.1.2.3", 2380));

    assertThat(
            PeerDirectory.answerAddress(
                InetSocketAddress.createUnresolved("0.0.0.0", 2380), remote))
        .isEqualTo(new InetSocketAddress("127.0.0.2", 2380));
    assertThat(PeerDirectory.answerAddress(InetSocketAddress.createUnresolved("::", 2380), remote))
        .isEqualTo(new InetSocketAddress("127.0.0.2", 2380));
    assertThat(
            PeerDirectory.answerAddress(
                InetSocketAddress.createUnresolved("0.0.0.0", 2380), new LocalAddress("x")))
        .as("no IP source to take")
        .isEqualTo(new InetSocketAddress("0.0.0.0", 2380));

    InetSocketAddress named = InetSocketAddress.createUnresolved("peer.example", 2380);
    assertThat(PeerDirectory.answerAddress(named, remote)).isSameAs(named);
  }
}
