package dev.raftkv.kv;

import java.util.List;

/**
 * etcd's {@code MemberUpdate}: replaces a member's peer URLs. Refused with {@link
 * KvException.Code#MEMBER_NOT_FOUND} for an unknown member and {@link
 * KvException.Code#PEER_URL_EXISTS} if another member already has one of the URLs.
 *
 * @param memberId the member
 * @param peerUrls its new peer URLs
 */
public record MemberUpdateRequest(long memberId, List<String> peerUrls) implements Op {
  public MemberUpdateRequest {
    peerUrls = List.copyOf(peerUrls);
  }
}
