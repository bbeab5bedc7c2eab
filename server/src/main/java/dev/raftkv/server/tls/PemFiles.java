package dev.raftkv.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Reads and writes PEM certificates and private keys in the formats openssl and etcd use: keys in
 * PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN
 * EC PRIVATE KEY}), unencrypted. Errors name the flag and the file.
 */
public final class PemFiles {
  private PemFiles() {}

  /**
   * The certificates in {@code file}, in order (a chain: the leaf first).
   *
   * @throws IllegalArgumentException naming {@code flag} and the file if it cannot be read or holds
   *     no certificate
   */
  public static List<X509Certificate> readCertificates(String flag, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(flag + " " + file + ": no PEM certificate in it");
      }
      return out;
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException(
          flag + " " + file + ": cannot read a PEM certificate: " + e.getMessage(), e);
    }
  }

  /**
   * The private key in {@code file}.
   *
   * @throws IllegalArgumentException naming {@code flag} and the file if it cannot be read, holds
   *     no key, or an encrypted one
   */
  public static PrivateKey readPrivateKey(String flag, Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      Object o;
      while ((o = pem.readObject()) != null) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
      throw new IllegalArgumentException(
          flag + " " + file + ": no unencrypted PEM private key in it");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          flag + " " + file + ": cannot read a PEM private key: " + e.getMessage(), e);
    }
  }

  /** Writes {@code certificates} to {@code file} as PEM, replacing it atomically. */
  public static void writeCertificates(Path file, List<X509Certificate> certificates)
      throws IOException {
    write(
        file,
        w -> {
          for (X509Certificate c : certificates) {
            w.writeObject(c);
          }
        },
        false);
  }

  /**
   * Writes {@code key} to {@code file} as unencrypted PKCS#8 PEM, readable by its owner only where
   * the file system has POSIX permissions.
   */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    write(file, w -> w.writeObject(new JcaPKCS8Generator(key, null)), true);
  }

  private interface PemBody {
    void write(JcaPEMWriter w) throws IOException;
  }

  private static void write(Path file, PemBody body, boolean secret) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      if (secret && Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      }
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII);
          JcaPEMWriter w = new JcaPEMWriter(out)) {
        body.write(w);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
