package dev.raftkv.kv;

import java.util.List;
import java.util.Objects;

/**
 * A started member's publication of its name and client URLs (etcd publishes these through the log
 * too). Publishing for a member that is not (or no longer) in the cluster changes nothing.
 *
 * @param memberId the publishing member
 * @param name its name (--name)
 * @param clientUrls its advertised client URLs
 */
public record MemberPublishRequest(long memberId, String name, List<String> clientUrls)
    implements Op {
  public MemberPublishRequest {
    Objects.requireNonNull(name, "name");
    clientUrls = List.copyOf(clientUrls);
  }
}
