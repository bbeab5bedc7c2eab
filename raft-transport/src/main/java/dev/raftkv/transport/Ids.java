package dev.raftkv.transport;

/** How the transport writes ids in its logs and refusals. Stateless: thread-safe, never throws. */
final class Ids {

  private Ids() {}

  /** Member and cluster ids appear in hex in every message, as etcd prints them. */
  static String hex(long id) {
    return Long.toHexString(id);
  }
}
