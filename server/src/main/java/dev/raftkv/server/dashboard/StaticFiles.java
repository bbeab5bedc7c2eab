package dev.raftkv.server.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The dashboard page's files, read once from the class path: the page, its script and style (this
 * package's {@code index.html}, {@code dashboard.js}, {@code dashboard.css}) and uPlot, the
 * charting library (the npm package {@code uplot}, from its WebJar). Each has its path under the
 * admin URL and its content type.
 */
public final class StaticFiles {
  /**
   * One file.
   *
   * @param contentType its {@code Content-Type}
   * @param body its bytes
   */
  public record File(String contentType, byte[] body) {}

  private static final String HERE = "/dev/raftkv/server/dashboard/";
  private static final String UPLOT_POM = "/META-INF/maven/org.webjars.npm/uplot/pom.properties";

  private final Map<String, File> files;

  private StaticFiles(Map<String, File> files) {
    this.files = files;
  }

  /**
   * Reads the files.
   *
   * @throws UncheckedIOException if one is missing from the class path (a broken build)
   */
  public static StaticFiles load() {
    String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
    return new StaticFiles(
        Map.of(
            "/", read(HERE + "index.html", "text/html; charset=utf-8"),
            "/dashboard.js", read(HERE + "dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard.css", read(HERE + "dashboard.css", "text/css; charset=utf-8"),
            "/uPlot.iife.min.js",
                read(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
            "/uPlot.min.css", read(uplot + "uPlot.min.css", "text/css; charset=utf-8")));
  }

  /** The file served at {@code path}, if any. */
  public Optional<File> get(String path) {
    return Optional.ofNullable(files.get(path));
  }

  /** The version of the uPlot WebJar on the class path (the root pom's {@code uplot.version}). */
  static String uplotVersion() {
    try (InputStream in = StaticFiles.class.getResourceAsStream(UPLOT_POM)) {
      if (in == null) {
        throw new UncheckedIOException(
            new IOException("the uPlot WebJar is missing from the class path: " + UPLOT_POM));
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + UPLOT_POM, e);
    }
  }

  private static File read(String resource, String type) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UncheckedIOException(
            new IOException("dashboard file missing from the class path: " + resource));
      }
      return new File(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboard file " + resource, e);
    }
  }
}
