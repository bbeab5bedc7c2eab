package dev.raftkv.compat;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real etcd binaries the compatibility tests drive. On CI (the {@code CI} variable is
 * set) a missing binary fails the test, because {@code .ci/run} installs it; elsewhere the test is
 * skipped with a message that says which package to install.
 */
final class Binaries {
  private Binaries() {}

  /** Makes sure {@code etcdctl} runs; fails or skips as described above. */
  static void requireEtcdctl() {
    require("etcdctl", "etcd-client", "version");
  }

  /** Makes sure the {@code etcd} server runs; fails or skips as described above. */
  static void requireEtcd() {
    require("etcd", "etcd-server", "--version");
  }

  /** Makes sure {@code curl} runs (the JSON gateway's script calls it). */
  static void requireCurl() {
    require("curl", "curl", "--version");
  }

  /** Makes sure the Prometheus server runs (the metrics test scrapes raftkv with it). */
  static void requirePrometheus() {
    require("prometheus", "prometheus", "--version");
  }

  private static void require(String binary, String debianPackage, String versionArg) {
    if (runs(binary, versionArg)) {
      return;
    }
    if (System.getenv("CI") != null) {
      throw new AssertionError(
          binary + " is missing on CI: .ci/run must install the Debian package " + debianPackage);
    }
    Assumptions.abort(
        binary + " is not installed (apt-get install " + debianPackage + "); skipping");
  }

  private static boolean runs(String binary, String versionArg) {
    try {
      Process p =
          new ProcessBuilder(binary, versionArg)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
