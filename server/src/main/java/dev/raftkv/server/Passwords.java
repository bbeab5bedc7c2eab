package dev.raftkv.server;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt password hashes (BouncyCastle's {@link OpenBSDBCrypt}), in the {@code $2a$} form etcd's Go
 * bcrypt writes and reads, so hashes move between the two. Slow on purpose (the cost): call it on
 * the member that received the request, off the event loops, never on the apply thread.
 */
final class Passwords {
  private final int cost;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param cost bcrypt's cost (4..31; etcd's is 10)
   */
  Passwords(int cost) {
    this.cost = cost;
  }

  /**
   * The hash of {@code password} with a fresh salt.
   *
   * @throws IllegalArgumentException when the password is longer than bcrypt's 72 bytes
   */
  String hash(String password) {
    if (password.getBytes(StandardCharsets.UTF_8).length > 72) {
      throw new IllegalArgumentException("a password may be at most 72 bytes (bcrypt's limit)");
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, cost);
  }

  /** Whether {@code password} matches {@code hash}; false for a hash that is not bcrypt's. */
  static boolean matches(String hash, String password) {
    if (hash == null || password.getBytes(StandardCharsets.UTF_8).length > 72) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException | org.bouncycastle.crypto.DataLengthException notBcrypt) {
      return false;
    }
  }
}
