package dev.raftkv.bench;

import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Put;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.transport.MessageCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two codecs on the write path: the peer wire codec ({@link MessageCodec}) on an {@code
 * AppendRequest} carrying {@value #ENTRIES} entries, and the log command codec ({@link KvCommands})
 * on one {@link Put}. Each entry's data is an encoded put of a 20-byte key and a {@value
 * #VALUE_BYTES}-byte value (297 bytes), as the leader replicates it, so the append frame is 19,477
 * bytes. One operation is one message (encode or decode of the whole frame) or one command.
 *
 * <p>The frame is decoded from a heap buffer (as the tests do) and from a direct one: the transport
 * sets no allocator, so Netty's default reads the socket into direct buffers, and its frame decoder
 * hands the codec {@code ByteBuf.nioBuffer} views of them.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.openjdk.jmh.Main CodecBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {
  static final int ENTRIES = 64;
  static final int VALUE_BYTES = 256;

  private final MessageCodec codec = new MessageCodec();
  private Message.AppendRequest append;
  private byte[] frame;
  private ByteBuffer heapFrame;
  private ByteBuffer directFrame;
  private Put put;
  private byte[] command;

  @Setup(Level.Trial)
  public void setUp() {
    Random r = new Random(7);
    List<Entry> entries = new ArrayList<>(ENTRIES);
    for (int i = 0; i < ENTRIES; i++) {
      byte[] data = KvCommands.encode(Put.of(keyOf(i), valueOf(r)));
      entries.add(Entry.normal(12, 1_000_001 + i, data));
    }
    // Realistic magnitudes: the index is a 3-byte varint, as in a log a million entries long.
    append = new Message.AppendRequest(1, 2, 12, 1_000_000, 12, entries, 999_990);
    frame = codec.encode(append);
    heapFrame = ByteBuffer.wrap(frame);
    directFrame = ByteBuffer.allocateDirect(frame.length).put(frame).flip();
    put = Put.of(keyOf(ENTRIES), valueOf(r));
    command = KvCommands.encode(put);
    if (!codec.decode(heapFrame.duplicate()).equals(append)
        || !codec.decode(directFrame.duplicate()).equals(append)) {
      throw new IllegalStateException("the append frame does not decode to itself");
    }
  }

  private static byte[] keyOf(int i) {
    return String.format("/registry/bench/%04d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] valueOf(Random r) {
    byte[] value = new byte[VALUE_BYTES];
    r.nextBytes(value);
    return value;
  }

  /** One AppendRequest of 64 entries to its frame (varints, copies, CRC32C). */
  @Benchmark
  public byte[] encodeAppend() {
    return codec.encode(append);
  }

  /** The same frame as the transport takes it: the writer's buffer, not an exact-size copy. */
  @Benchmark
  public java.nio.ByteBuffer encodeAppendToBuffer() {
    return codec.encodeToBuffer(append);
  }

  /** The frame back to an AppendRequest, from a heap buffer. */
  @Benchmark
  public Message decodeAppendHeap() {
    heapFrame.position(0);
    return codec.decode(heapFrame);
  }

  /** The frame back to an AppendRequest, from a direct buffer. */
  @Benchmark
  public Message decodeAppendDirect() {
    directFrame.position(0);
    return codec.decode(directFrame);
  }

  /** One put (20-byte key, 256-byte value) to its log command. */
  @Benchmark
  public byte[] encodePut() {
    return KvCommands.encode(put);
  }

  /** A log command back to its put. */
  @Benchmark
  public Op decodePut() {
    return KvCommands.decode(command);
  }
}
