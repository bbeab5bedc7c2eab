package dev.raftkv.transport;

/**
 * Bytes that are not a valid peer frame. The message names what was wrong and where, so a log line
 * is enough to tell a version skew from a corrupted stream or a misconfigured size limit; {@link
 * #reason()} lets callers tell them apart in code.
 *
 * <p>A transport that meets this exception on a connection closes that connection: after a bad
 * frame the stream can no longer be trusted to be in step.
 */
public final class CodecException extends RuntimeException {

  /** What kind of problem the frame had. */
  public enum Reason {
    /** The frame's version byte is not one this build speaks. */
    BAD_VERSION,
    /** The CRC32C over the frame does not match its contents. */
    BAD_CRC,
    /** The tag byte names no known frame type. */
    UNKNOWN_TAG,
    /** The frame ends before the fields it announces. */
    TRUNCATED,
    /** The frame is larger than the configured maximum (on encode or decode). */
    FRAME_TOO_LARGE,
    /** The frame is complete and checksummed but its contents are not valid. */
    MALFORMED
  }

  private final Reason reason;

  public CodecException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** What kind of problem the frame had. */
  public Reason reason() {
    return reason;
  }
}
