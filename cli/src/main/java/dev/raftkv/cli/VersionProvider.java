package dev.raftkv.cli;

import dev.raftkv.server.RaftkvServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * What {@code raftkv --version} prints, as {@code etcd --version} lays it out: raftkv's version,
 * the git commit it was built from, the etcd API it speaks and the Java it runs on. The build
 * writes the first two into {@code raftkv-version.properties}.
 */
final class VersionProvider implements CommandLine.IVersionProvider {
  /** The etcd API version raftkv reports, major.minor (as {@code etcdctl version} prints it). */
  static final String ETCD_API =
      RaftkvServer.ETCD_VERSION.substring(0, RaftkvServer.ETCD_VERSION.lastIndexOf('.'));

  @Override
  public String[] getVersion() {
    Properties p = build();
    return new String[] {
      "raftkv Version: " + p.getProperty("version", "unknown"),
      "Git SHA: " + p.getProperty("commit", "unknown"),
      "etcd API Version: " + ETCD_API,
      "Java Version: " + System.getProperty("java.version"),
      "OS/Arch: " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
    };
  }

  /** The build's version and commit (a commit the build could not read shows as unknown). */
  static Properties build() {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("/raftkv-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read raftkv-version.properties", e);
    }
    String commit = p.getProperty("commit", "");
    if (commit.isEmpty() || commit.startsWith("${")) {
      p.setProperty("commit", "unknown");
    }
    return p;
  }
}
