package dev.raftkv.kv;

/**
 * The answer to an {@link AuthRequest}, with what it means for the tokens every member keeps.
 *
 * @param revision the current store (MVCC) revision, which auth changes never move
 * @param authRevision the auth revision after the change
 * @param user the user the change was about (null for none)
 * @param token the simple token issued by an {@link AuthRequest.Authenticate} (null otherwise;
 *     empty when it issued none because the members sign JWTs)
 * @param tokens what becomes of the members' tokens
 */
public record AuthResponse(
    long revision, long authRevision, String user, String token, Tokens tokens)
    implements Response {
  /** What an applied change does to the tokens. */
  public enum Tokens {
    /** Nothing. */
    KEEP,
    /** {@link #token()} was issued to {@link #user()}. */
    ISSUED,
    /** Every token of {@link #user()} is invalid now (deleted, or a new password). */
    REVOKE_USER,
    /** Every token is invalid now (auth disabled). */
    REVOKE_ALL
  }
}
