package dev.raftkv.cli;

import dev.raftkv.server.tls.PemFiles;
import dev.raftkv.server.tls.Pki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The certificates of {@code raftkv cluster start --tls}, in one directory: a CA ({@code ca.crt},
 * {@code ca.key}), one certificate per member for its client and peer URLs ({@code n1.crt}, {@code
 * n1.key}, ...; CN the member's name, names 127.0.0.1 and localhost) and a client certificate
 * ({@code client.crt}, {@code client.key}; CN {@code root}, the name etcd's CN authentication gives
 * the client). Files already there are kept, so a cluster restarted on its data dir keeps its
 * certificates.
 *
 * @param dir where the files are
 */
record ClusterCertificates(Path dir) {

  /** The hosts the member certificates are for. */
  static final List<String> HOSTS = List.of("127.0.0.1", "localhost");

  /** Makes whatever of the files for {@code nodes} members (n1...) is missing in {@code dir}. */
  static ClusterCertificates make(Path dir, int nodes) throws IOException {
    ClusterCertificates c = new ClusterCertificates(dir);
    Files.createDirectories(dir);
    Pki.KeyAndCertificate ca;
    if (Files.exists(c.ca()) && Files.exists(dir.resolve("ca.key"))) {
      ca =
          new Pki.KeyAndCertificate(
              PemFiles.readPrivateKey("CA key", dir.resolve("ca.key")),
              PemFiles.readCertificates("CA certificate", c.ca()).get(0));
    } else {
      ca = Pki.newCa("raftkv cluster CA");
      ca.write(c.ca(), dir.resolve("ca.key"));
    }
    for (int i = 1; i <= nodes; i++) {
      c.issueIfMissing(ca, "n" + i, HOSTS);
    }
    c.issueIfMissing(ca, "client", List.of());
    return c;
  }

  private void issueIfMissing(Pki.KeyAndCertificate ca, String name, List<String> hosts)
      throws IOException {
    if (!Files.exists(cert(name)) || !Files.exists(key(name))) {
      Pki.issue(ca, name.equals("client") ? "root" : name, hosts).write(cert(name), key(name));
    }
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

  /** The TLS flags of member {@code name}: its certificate both ways, client-cert-auth both. */
  List<String> serverFlags(String name) {
    return List.of(
        "--cert-file",
        cert(name).toString(),
        "--key-file",
        key(name).toString(),
        "--trusted-ca-file",
        ca().toString(),
        "--client-cert-auth",
        "--peer-cert-file",
        cert(name).toString(),
        "--peer-key-file",
        key(name).toString(),
        "--peer-trusted-ca-file",
        ca().toString(),
        "--peer-client-cert-auth");
  }

  /** etcdctl's (and raftkv's client commands') flags for the client certificate. */
  String clientFlags() {
    return "--cacert " + ca() + " --cert " + cert("client") + " --key " + key("client");
  }
}
