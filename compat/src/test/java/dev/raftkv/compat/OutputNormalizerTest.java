package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputNormalizerTest {
  private static OutputNormalizer normalizer(Map<String, String> variables) {
    return new OutputNormalizer(List.of(), List.of(), List.of(), variables);
  }

  /**
   * etcdctl pads member and cluster ids to 16 hex columns, so an id with a leading zero nibble
   * (random, about one in sixteen) prints with an extra space; a CI run failed on exactly that.
   */
  @Test
  void paddedMemberAndClusterIdsCompareEqualToUnpaddedOnes() {
    String etcd = "Member  580de42fb0dc3c5 added to cluster fbf4049cf64f9890";
    String raftkv = "Member 7705852fe42d8fee added to cluster  590274d8a8e3f65";
    assertThat(normalizer(Map.of("newbie", "580de42fb0dc3c5")).normalize(etcd))
        .isEqualTo(normalizer(Map.of("newbie", "7705852fe42d8fee")).normalize(raftkv))
        .isEqualTo("Member <newbie> added to cluster <cluster id>");
    assertThat(normalizer(Map.of()).normalize("Member  80de42fb0dc3c5 removed from cluster  1"))
        .isEqualTo("Member 80de42fb0dc3c5 removed from cluster <cluster id>");
  }
}
