package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.SnapshotMetadata;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

  private final MessageCodec codec = new MessageCodec();

  @Test
  void randomMessagesOfEveryTypeRoundTrip() {
    RandomMessages random = new RandomMessages(42);
    Set<Class<?>> seen = new HashSet<>();
    for (int i = 0; i < 5_000; i++) {
      Message m = random.any();
      seen.add(m.getClass());
      ByteBuffer frame = ByteBuffer.wrap(codec.encode(m));
      RandomMessages.assertSameMessage(codec.decode(frame), m);
      assertThat(frame.hasRemaining()).as("decode consumes exactly one frame").isFalse();
    }
    // The generator, and so the round trip, covers every type Message permits.
    assertThat(seen).containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
  }

  @Test
  void theBufferFormHoldsTheSameFrameWithoutTheCopy() {
    RandomMessages random = new RandomMessages(43);
    for (int i = 0; i < 2_000; i++) {
      Message m = random.any();
      byte[] exact = codec.encode(m);
      ByteBuffer buffer = codec.encodeToBuffer(m);
      assertThat(buffer.position()).isZero();
      byte[] framed = new byte[buffer.remaining()];
      buffer.duplicate().get(framed);
      assertThat(framed).isEqualTo(exact);
      RandomMessages.assertSameMessage(codec.decode(buffer), m);
    }
  }

  @Test
  void tagsFollowThePermitsOrder() {
    List<Message> each = new RandomMessages(1).oneOfEach(1, 2);
    Class<?>[] permitted = Message.class.getPermittedSubclasses();
    for (int i = 0; i < permitted.length; i++) {
      assertThat(each.get(i)).isInstanceOf(permitted[i]);
      assertThat(codec.encode(each.get(i))[5])
          .as(permitted[i].getSimpleName())
          .isEqualTo((byte) (i + 1));
    }
  }

  @Test
  void consecutiveFramesDecodeFromOneBuffer() {
    List<Message> each = new RandomMessages(7).oneOfEach(3, 4);
    ByteBuffer all = ByteBuffer.allocate(1 << 16);
    for (Message m : each) {
      all.put(codec.encode(m));
    }
    all.flip();
    for (Message m : each) {
      RandomMessages.assertSameMessage(codec.decode(all), m);
    }
    assertThat(all.hasRemaining()).isFalse();
  }

  @Test
  void smallMessagesAreSmall() {
    // length 4 + version 1 + tag 1 + from, to, term, commit, context 5 + crc 4
    assertThat(codec.encode(new Message.Heartbeat(1, 2, 3, 100, 0))).hasSize(15);
    Message append =
        new Message.AppendRequest(
            1, 2, 7, 1000, 7, List.of(Entry.normal(7, 1001, new byte[128])), 1000);
    assertThat(codec.encode(append).length).isLessThan(128 + 30);
  }

  @Test
  void badVersionIsNamed() {
    byte[] frame = codec.encode(new Message.TimeoutNow(1, 2, 3));
    frame[4] = 9;
    fixCrc(frame);
    CodecException e = decodeError(frame);
    assertThat(e.reason()).isEqualTo(CodecException.Reason.BAD_VERSION);
    assertThat(e).hasMessageContaining("version 9").hasMessageContaining("speaks 1");
  }

  @Test
  void corruptionIsCaughtByTheCrc() {
    byte[] frame = codec.encode(new Message.Heartbeat(1, 2, 3, 4, 5));
    frame[8] ^= 0x10;
    CodecException e = decodeError(frame);
    assertThat(e.reason()).isEqualTo(CodecException.Reason.BAD_CRC);
    assertThat(e).hasMessageContaining("CRC32C");
  }

  @Test
  void unknownTagIsNamed() {
    byte[] frame = codec.encode(new Message.TimeoutNow(1, 2, 3));
    frame[5] = 99;
    fixCrc(frame);
    CodecException e = decodeError(frame);
    assertThat(e.reason()).isEqualTo(CodecException.Reason.UNKNOWN_TAG);
    assertThat(e).hasMessageContaining("tag 99");
  }

  @Test
  void truncatedFramesAreNamed() {
    byte[] frame = codec.encode(new Message.Heartbeat(1, 2, 3, 4, 5));
    for (int cut = 0; cut < frame.length; cut++) {
      assertThat(decodeError(Arrays.copyOf(frame, cut)).reason())
          .isEqualTo(CodecException.Reason.TRUNCATED);
    }
    // A well-checksummed frame whose payload stops short of its fields.
    byte[] shortPayload = frameOf((byte) 1, new byte[] {1, 2});
    CodecException e = decodeError(shortPayload);
    assertThat(e.reason()).isEqualTo(CodecException.Reason.TRUNCATED);
    assertThat(e).hasMessageContaining("VoteRequest");
  }

  @Test
  void trailingBytesInAFrameAreRejected() {
    byte[] frame = frameOf((byte) 8, new byte[] {1, 2, 3, 0});
    assertThat(decodeError(frame))
        .hasMessageContaining("TimeoutNow")
        .hasMessageContaining("unread");
  }

  @Test
  void invalidFieldsAreMalformed() {
    // An InstallSnapshot whose membership contains member id 0.
    Message ok =
        new Message.InstallSnapshot(
            1,
            2,
            3,
            new SnapshotMetadata(5, 2, ConfState.ofVoters(Set.of(1L))),
            0,
            new byte[0],
            true);
    byte[] frame = codec.encode(ok);
    // from, to, term, index, term, voter count 1, voter id 1 -> 0
    assertThat(frame[11]).isEqualTo((byte) 1);
    frame[12] = 0;
    fixCrc(frame);
    CodecException e = decodeError(frame);
    assertThat(e.reason()).isEqualTo(CodecException.Reason.MALFORMED);
    assertThat(e).hasMessageContaining("InstallSnapshot").hasMessageContaining("positive");
  }

  @Test
  void aHugeEntryCountFailsWithoutAllocating() {
    // Propose from 1 to 2, term 0, then an entry count of 2^62 + 1 (times 4 overflows to 4).
    byte[] payload = {
      1,
      2,
      0,
      (byte) 0x81,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      0x40,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0
    };
    CodecException e = decodeError(frameOf((byte) 7, payload));
    assertThat(e.reason()).isEqualTo(CodecException.Reason.TRUNCATED);
    assertThat(e).hasMessageContaining("Propose frame announces 4611686018427387905 entries");
  }

  @Test
  void framesOverTheLimitAreRefusedBothWays() {
    MessageCodec small = new MessageCodec(1024);
    Message big =
        new Message.InstallSnapshot(1, 2, 3, SnapshotMetadata.EMPTY, 0, new byte[2000], false);
    CodecException onEncode = catchThrowableOfType(CodecException.class, () -> small.encode(big));
    assertThat(onEncode.reason()).isEqualTo(CodecException.Reason.FRAME_TOO_LARGE);
    assertThat(onEncode)
        .hasMessageContaining("InstallSnapshot")
        .hasMessageContaining("limit is 1024");

    byte[] frame = codec.encode(big);
    CodecException onDecode =
        catchThrowableOfType(CodecException.class, () -> small.decode(ByteBuffer.wrap(frame)));
    assertThat(onDecode.reason()).isEqualTo(CodecException.Reason.FRAME_TOO_LARGE);
    assertThat(onDecode).hasMessageContaining(frame.length + " bytes");

    // Only the length field is needed to refuse: a huge announced length fails at once.
    byte[] header = {0x7f, 0, 0, 0};
    assertThat(decodeError(header).reason()).isEqualTo(CodecException.Reason.FRAME_TOO_LARGE);
  }

  @Test
  void handshakeFramesRoundTripButAreNotMessages() {
    byte[] hello = codec.encodeHello(new Handshake.Hello(0xC1, 1, 2));
    assertThat(codec.decodeFrame(ByteBuffer.wrap(hello)))
        .isEqualTo(new Handshake.Hello(0xC1, 1, 2));
    Handshake.Reply reply =
        new Handshake.Reply(Handshake.Status.WRONG_CLUSTER, "cluster c2, not c1");
    assertThat(codec.decodeFrame(ByteBuffer.wrap(codec.encodeReply(reply)))).isEqualTo(reply);
    assertThat(decodeError(hello).reason()).isEqualTo(CodecException.Reason.MALFORMED);
  }

  @Test
  void handshakeStatusesKeepTheirWireCodes() {
    // Explicit codes, not ordinals: a member of an older build must read the same answer.
    Map<String, Integer> codes = new java.util.TreeMap<>();
    for (Handshake.Status st : Handshake.Status.values()) {
      codes.put(st.name(), st.code());
      Handshake.Reply reply = new Handshake.Reply(st, "why");
      assertThat(codec.decodeFrame(ByteBuffer.wrap(codec.encodeReply(reply)))).isEqualTo(reply);
    }
    assertThat(codes)
        .isEqualTo(
            Map.of(
                "ACCEPTED", 0,
                "WRONG_CLUSTER", 1,
                "UNKNOWN_MEMBER", 2,
                "WRONG_MEMBER", 3,
                "DETACHED", 4,
                "REMOVED", 5));
  }

  @Test
  void aHelloMayNameWhereTheSenderListensAndOneWithoutStillDecodes() {
    InetSocketAddress at = InetSocketAddress.createUnresolved("10.0.0.7", 2380);
    byte[] hello = codec.encodeHello(new Handshake.Hello(0xC1, 1, 2, at));
    assertThat(codec.decodeFrame(ByteBuffer.wrap(hello)))
        .isEqualTo(new Handshake.Hello(0xC1, 1, 2, at));
    // The address is an optional trailing field: the 3-id Hello of older builds still decodes.
    byte[] old = codec.encodeHello(new Handshake.Hello(0xC1, 1, 2));
    assertThat(hello.length).isGreaterThan(old.length);
    assertThat(((Handshake.Hello) codec.decodeFrame(ByteBuffer.wrap(old))).address()).isNull();
    byte[] badPort =
        codec.encodeHello(
            new Handshake.Hello(0xC1, 1, 2, InetSocketAddress.createUnresolved("h", 0)));
    assertThat(decodeError(badPort).reason()).isEqualTo(CodecException.Reason.MALFORMED);
  }

  @Test
  void fuzzedBytesFailOnlyWithCodecException() {
    Random random = new Random(1234);
    RandomMessages messages = new RandomMessages(99);
    int decoded = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes;
      if (i % 3 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        // Mutate a valid frame and fix its CRC, so the payload parser sees the damage.
        bytes = codec.encode(messages.any());
        int flips = 1 + random.nextInt(4);
        for (int f = 0; f < flips && bytes.length > 6; f++) {
          int at = 4 + random.nextInt(bytes.length - 8);
          bytes[at] = (byte) random.nextInt(256);
        }
        if (random.nextInt(4) == 0) {
          bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        }
        if (i % 3 == 1 && bytes.length >= MessageCodec.MIN_FRAME_BYTES) {
          fixCrc(bytes);
        }
      }
      try {
        codec.decodeFrame(ByteBuffer.wrap(bytes));
        decoded++;
      } catch (CodecException expected) {
        if (expected.getMessage().isBlank()) {
          throw new AssertionError("CodecException without a message", expected);
        }
      }
    }
    assertThat(decoded).as("some mutations still decode (flips in values)").isPositive();
  }

  private CodecException decodeError(byte[] frame) {
    return catchThrowableOfType(CodecException.class, () -> codec.decode(ByteBuffer.wrap(frame)));
  }

  /** A frame with the given tag and payload and a correct CRC. */
  private static byte[] frameOf(byte tag, byte[] payload) {
    byte[] frame = new byte[4 + 2 + payload.length + 4];
    ByteBuffer.wrap(frame).putInt(frame.length - 4).put(MessageCodec.VERSION).put(tag).put(payload);
    fixCrc(frame);
    return frame;
  }

  private static void fixCrc(byte[] frame) {
    int length = ByteBuffer.wrap(frame).getInt();
    if (length < 6 || length + 4 > frame.length) {
      return;
    }
    CRC32C crc = new CRC32C();
    crc.update(frame, 4, length - 4);
    ByteBuffer.wrap(frame).putInt(length, (int) crc.getValue());
  }

  @Test
  void decodingDoesNotThrowOtherExceptionsForNullSafety() {
    assertThatThrownBy(() -> codec.decode(ByteBuffer.allocate(0)))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("truncated");
  }
}
