package dev.raftkv.kv;

import dev.raftkv.raft.ConfChange;
import java.util.List;
import java.util.Objects;

/**
 * A Raft membership change as the store applies it: adds the member (with the peer URLs its change
 * carried), turns a learner into a voter, or removes it and remembers its id as removed. It never
 * comes from {@link KvCommands}: {@link KvStateMachine} makes it from a {@code CONF_CHANGE} entry,
 * so the store's members always follow the Raft configuration.
 *
 * @param type the change
 * @param memberId the member it concerns
 * @param peerUrls the peer URLs from the change's context; empty keeps the known ones
 */
public record MemberChange(ConfChange.Type type, long memberId, List<String> peerUrls)
    implements Op {
  public MemberChange {
    Objects.requireNonNull(type, "type");
    peerUrls = List.copyOf(peerUrls);
  }
}
