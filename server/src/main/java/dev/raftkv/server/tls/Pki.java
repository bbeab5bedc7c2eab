package dev.raftkv.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes certificates with BouncyCastle: a CA, leaf certificates it signs (for servers, peers and
 * clients alike: both TLS server and client usage, as etcd's members use one certificate for both
 * directions of the peer links), and self-signed ones ({@code --auto-tls}). Keys are ECDSA P-256,
 * signatures SHA-256.
 */
public final class Pki {
  private Pki() {}

  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long {@link #newCa} certificates are valid. */
  public static final Duration CA_VALIDITY = Duration.ofDays(10 * 365);

  /** How long leaf certificates are valid (etcd's self-signed ones: one year). */
  public static final Duration LEAF_VALIDITY = Duration.ofDays(365);

  /**
   * A private key and its certificate.
   *
   * @param key the private key
   * @param certificate the certificate of {@code key}'s public key
   */
  public record KeyAndCertificate(PrivateKey key, X509Certificate certificate) {

    /** Writes the certificate to {@code certFile} and the key to {@code keyFile}, as PEM. */
    public void write(Path certFile, Path keyFile) throws IOException {
      PemFiles.writeCertificates(certFile, List.of(certificate));
      PemFiles.writePrivateKey(keyFile, key);
    }
  }

  /** A new CA certificate named {@code commonName}, self-signed. */
  public static KeyAndCertificate newCa(String commonName) {
    KeyPair pair = newKeyPair();
    X500Name name = name(commonName);
    return sign(name, pair, name, pair.getPrivate(), CA_VALIDITY, true, List.of());
  }

  /**
   * A certificate for {@code commonName} with the subject alternative names {@code hosts} (IP
   * addresses and DNS names), signed by {@code ca}.
   */
  public static KeyAndCertificate issue(
      KeyAndCertificate ca, String commonName, List<String> hosts) {
    KeyPair pair = newKeyPair();
    X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
    return sign(name(commonName), pair, issuer, ca.key(), LEAF_VALIDITY, false, List.copyOf(hosts));
  }

  /** A self-signed leaf certificate for {@code commonName} and {@code hosts} (auto-TLS). */
  public static KeyAndCertificate selfSigned(String commonName, List<String> hosts) {
    KeyPair pair = newKeyPair();
    X500Name name = name(commonName);
    return sign(name, pair, name, pair.getPrivate(), LEAF_VALIDITY, false, List.copyOf(hosts));
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "raftkv")
        .addRDN(BCStyle.CN, commonName)
        .build();
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make ECDSA P-256 keys", e);
    }
  }

  @SuppressWarnings("JavaUtilDate") // BouncyCastle's builder takes java.util.Date
  private static KeyAndCertificate sign(
      X500Name subject,
      KeyPair pair,
      X500Name issuer,
      PrivateKey issuerKey,
      Duration validity,
      boolean ca,
      List<String> hosts) {
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              new BigInteger(127, RANDOM).add(BigInteger.ONE),
              Date.from(now.minus(Duration.ofHours(1))), // some clock skew between machines
              Date.from(now.plus(validity)),
              subject,
              pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (ca) {
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (!hosts.isEmpty()) {
          b.addExtension(Extension.subjectAlternativeName, false, altNames(hosts));
        }
      }
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
      return new KeyAndCertificate(pair.getPrivate(), cert);
    } catch (CertIOException | OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a certificate for " + subject, e);
    }
  }

  private static GeneralNames altNames(List<String> hosts) {
    List<GeneralName> names = new ArrayList<>();
    for (String h : hosts) {
      String host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
      names.add(
          isIpLiteral(host)
              ? new GeneralName(GeneralName.iPAddress, host)
              : new GeneralName(GeneralName.dNSName, host));
    }
    return new GeneralNames(names.toArray(new GeneralName[0]));
  }

  private static boolean isIpLiteral(String host) {
    if (host.contains(":")) {
      return true; // IPv6
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(host); // a literal: no lookup
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
