package dev.raftkv.kv;

import java.util.List;

/**
 * One reply on a watch stream, before it is put on the wire (etcd's {@code WatchResponse}, minus
 * the header the server adds).
 *
 * @param watchId the watcher it is for; -1 for a stream-wide reply (a refused create, a progress
 *     answer to the stream)
 * @param revision the store revision for the reply's header
 * @param events the watcher's events of one or more whole revisions, in order (may be empty)
 * @param prevKv whether the watcher asked for the previous key values of its events
 * @param created the answer to a create
 * @param canceled the watcher is gone (canceled by the client, refused, compacted or failed)
 * @param cancelReason why, when refused or failed; empty otherwise
 * @param compactRevision when the watcher's history was compacted away: the compacted revision
 * @param fragment whether the watcher allows the reply to be split into fragments
 */
public record WatchReply(
    long watchId,
    long revision,
    List<Event> events,
    boolean prevKv,
    boolean created,
    boolean canceled,
    String cancelReason,
    long compactRevision,
    boolean fragment) {

  public WatchReply {
    events = List.copyOf(events);
  }

  /** Events for a watcher. */
  static WatchReply events(
      long watchId, long revision, List<Event> events, boolean prevKv, boolean fragment) {
    return new WatchReply(watchId, revision, events, prevKv, false, false, "", 0, fragment);
  }

  /** A watcher was created. */
  static WatchReply created(long watchId, long revision) {
    return new WatchReply(watchId, revision, List.of(), false, true, false, "", 0, false);
  }

  /** A create was refused (etcd answers with watch id -1, created and canceled at once). */
  static WatchReply refused(long revision, String reason) {
    return new WatchReply(-1, revision, List.of(), false, true, true, reason, 0, false);
  }

  /** The client canceled a watcher. */
  static WatchReply canceled(long watchId, long revision) {
    return new WatchReply(watchId, revision, List.of(), false, false, true, "", 0, false);
  }

  /** A watcher's history was compacted before it was sent (header revision 0, as etcd). */
  static WatchReply compacted(long watchId, long compactRevision) {
    return new WatchReply(watchId, 0, List.of(), false, false, true, "", compactRevision, false);
  }

  /** A watcher's history could not be read. */
  static WatchReply failed(long watchId, long revision, String reason) {
    return new WatchReply(watchId, revision, List.of(), false, false, true, reason, 0, false);
  }

  /** A progress notification: every event up to {@code revision} was sent. */
  static WatchReply progress(long watchId, long revision) {
    return new WatchReply(watchId, revision, List.of(), false, false, false, "", 0, false);
  }
}
