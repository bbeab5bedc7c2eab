package dev.raftkv.compat;

import dev.raftkv.server.tls.Pki;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Certificates made at test time in {@code dir}: a CA ({@code ca.crt}), a member certificate it
 * signs for 127.0.0.1 and localhost ({@code member.crt}, {@code member.key}), a client certificate
 * with CN {@code root} ({@code client.crt}, {@code client.key}), client certificates with CN {@code
 * alice} ({@code alice.crt}, ...) and {@code etcdctl} (a name that is no user: {@code etcdctl.crt},
 * ...), and from a second, untrusted CA ({@code other-ca.crt}) a member certificate for the same
 * hosts ({@code rogue.crt}, {@code rogue.key}).
 *
 * @param dir where the files are
 */
record TlsFixture(Path dir) {
  static final List<String> HOSTS = List.of("127.0.0.1", "localhost");

  static TlsFixture create(Path dir) throws IOException {
    TlsFixture f = new TlsFixture(dir);
    Pki.KeyAndCertificate ca = Pki.newCa("test CA");
    ca.write(f.ca(), dir.resolve("ca.key"));
    Pki.issue(ca, "member", HOSTS).write(f.cert("member"), f.key("member"));
    Pki.issue(ca, "root", List.of()).write(f.cert("client"), f.key("client"));
    Pki.issue(ca, "alice", List.of()).write(f.cert("alice"), f.key("alice"));
    Pki.issue(ca, "etcdctl", List.of()).write(f.cert("etcdctl"), f.key("etcdctl"));
    Pki.KeyAndCertificate other = Pki.newCa("another CA");
    other.write(dir.resolve("other-ca.crt"), dir.resolve("other-ca.key"));
    Pki.issue(other, "rogue", HOSTS).write(f.cert("rogue"), f.key("rogue"));
    return f;
  }

  Path ca() {
    return dir.resolve("ca.crt");
  }

  Path cert(String name) {
    return dir.resolve(name + ".crt");
  }

  Path key(String name) {
    return dir.resolve(name + ".key");
  }

  /**
   * etcdctl's TLS flags with client certificate {@code etcdctl} (whose CN is no user): {@code
   * --cacert}, {@code --cert}, {@code --key}.
   */
  List<String> etcdctlFlags() {
    return certFlags("etcdctl");
  }

  /** etcdctl's flags presenting client certificate {@code name}, trusting the CA. */
  List<String> certFlags(String name) {
    return List.of("--cacert=" + ca(), "--cert=" + cert(name), "--key=" + key(name));
  }

  /** The files of certificate {@code name}, trusting {@code ca}, with client-cert-auth. */
  TlsFiles files(String name, Path ca) {
    return new TlsFiles(cert(name), key(name), ca, true, false);
  }

  /** Client and peer TLS with the member certificate and client-cert-auth on both sides. */
  TlsSettings members() {
    return new TlsSettings(files("member", ca()), files("member", ca()), null);
  }
}
