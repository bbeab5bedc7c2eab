package dev.raftkv.cli;

import dev.raftkv.server.SnapshotStatus;
import java.util.List;
import java.util.Locale;

/** Prints a {@link SnapshotStatus} as etcdctl's {@code --write-out} simple, table or json. */
final class SnapshotPrinter {
  private SnapshotPrinter() {}

  private static final List<String> HEADER =
      List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE");

  /** The status in {@code format} (simple, table or json), ending with a newline. */
  static String print(SnapshotStatus s, String format) {
    List<String> row =
        List.of(
            Long.toHexString(s.hash()),
            Long.toString(s.revision()),
            Long.toString(s.totalKeys()),
            bytes(s.totalSize()));
    return switch (format) {
      case "simple" -> String.join(", ", row) + "\n";
      case "json" ->
          String.format(
              Locale.ROOT,
              "{\"hash\":%d,\"revision\":%d,\"totalKey\":%d,\"totalSize\":%d}%n",
              s.hash(),
              s.revision(),
              s.totalKeys(),
              s.totalSize());
      case "table" -> table(row);
      default -> throw new IllegalArgumentException("unknown output format " + format);
    };
  }

  /**
   * etcdctl's table (tablewriter, as etcdctl 3.4 prints it): headers centred (the odd space of
   * padding on the right), cells right-aligned, one space of padding.
   */
  private static String table(List<String> row) {
    int[] w = new int[HEADER.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.max(HEADER.get(i).length(), row.get(i).length());
    }
    StringBuilder line = new StringBuilder("+");
    for (int width : w) {
      line.append("-".repeat(width + 2)).append('+');
    }
    line.append('\n');
    StringBuilder out = new StringBuilder(line);
    out.append('|');
    for (int i = 0; i < w.length; i++) {
      int gap = w[i] - HEADER.get(i).length();
      int left = gap / 2;
      out.append(' ')
          .append(" ".repeat(left))
          .append(HEADER.get(i))
          .append(" ".repeat(gap - left))
          .append(" |");
    }
    out.append('\n').append(line).append('|');
    for (int i = 0; i < w.length; i++) {
      String cell = row.get(i);
      out.append(' ').append(" ".repeat(w[i] - cell.length())).append(cell).append(" |");
    }
    out.append('\n').append(line);
    return out.toString();
  }

  private static final String[] SIZES = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

  /** go-humanize's {@code Bytes} (SI units), as etcdctl prints sizes: "2.1 MB", "25 kB". */
  static String bytes(long n) {
    if (n < 10) {
      return n + " B";
    }
    int e = (int) Math.floor(Math.log((double) n) / Math.log(1000));
    double val = Math.floor((double) n / Math.pow(1000, e) * 10 + 0.5) / 10;
    if (val < 10) {
      return String.format(Locale.ROOT, "%.1f %s", val, SIZES[e]);
    }
    // Go's %.0f rounds the exact binary value half to even (20.5 -> "20"); Java's %.0f rounds
    // half up
    return new java.math.BigDecimal(val)
            .setScale(0, java.math.RoundingMode.HALF_EVEN)
            .toPlainString()
        + " "
        + SIZES[e];
  }
}
