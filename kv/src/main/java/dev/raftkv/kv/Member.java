package dev.raftkv.kv;

import java.util.List;
import java.util.Objects;

/**
 * One cluster member as the replicated state knows it (etcd's {@code membership.Member}): what the
 * membership changes and the member's own publication put in the log, so every member and every
 * snapshot knows every member's URLs.
 *
 * @param id the Raft member id
 * @param name the name the member published once it started; empty until then
 * @param peerUrls where its peers reach it (from the membership change that added it, or an update)
 * @param clientUrls where clients reach it; empty until it published them
 * @param learner whether it is a non-voting learner
 */
public record Member(
    long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
  public Member {
    Objects.requireNonNull(name, "name");
    peerUrls = List.copyOf(peerUrls);
    clientUrls = List.copyOf(clientUrls);
  }

  /** Whether it has started and published its name and client URLs (etcd's {@code IsStarted}). */
  public boolean started() {
    return !name.isEmpty();
  }

  Member withLearner(boolean isLearner) {
    return new Member(id, name, peerUrls, clientUrls, isLearner);
  }

  Member withPeerUrls(List<String> urls) {
    return new Member(id, name, urls, clientUrls, learner);
  }

  Member withAttributes(String newName, List<String> urls) {
    return new Member(id, newName, peerUrls, urls, learner);
  }
}
