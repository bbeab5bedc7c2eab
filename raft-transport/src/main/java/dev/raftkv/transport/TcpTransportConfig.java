package dev.raftkv.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link TcpTransport}. Build one with {@link #of} and adjust with the {@code with…}
 * methods.
 *
 * @param clusterId the cluster this member belongs to; peers of another cluster are refused
 * @param memberId this member's id
 * @param listenAddress where to accept peer connections (port 0: any free port, see {@link
 *     TcpTransport#localAddress()})
 * @param peers the peer address of every other member (an entry for this member is ignored);
 *     members of the cluster missing here are still accepted (see {@link TcpTransport})
 * @param maxFrameBytes the largest frame sent or accepted, length field included
 * @param queueCapacity messages queued per peer before further ones are dropped
 * @param initialBackoff the wait before the first reconnect after a connection failed
 * @param maxBackoff the cap of the doubling reconnect wait
 * @param connectTimeout how long one connect-and-handshake attempt may take
 * @param ioThreads Netty event-loop threads for all connections of this member
 * @param tls the peer TLS contexts, or null for plaintext connections (see {@link PeerTls})
 */
public record TcpTransportConfig(
    long clusterId,
    long memberId,
    InetSocketAddress listenAddress,
    Map<Long, InetSocketAddress> peers,
    int maxFrameBytes,
    int queueCapacity,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration connectTimeout,
    int ioThreads,
    PeerTls tls) {

  public static final int DEFAULT_QUEUE_CAPACITY = 4096;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(20);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);

  public TcpTransportConfig {
    Objects.requireNonNull(listenAddress, "listenAddress");
    peers = Map.copyOf(peers);
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (memberId <= 0) {
      throw new IllegalArgumentException("memberId must be positive, got " + memberId);
    }
    if (maxFrameBytes < MessageCodec.MIN_FRAME_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes too small: " + maxFrameBytes);
    }
    if (queueCapacity < 1 || ioThreads < 1) {
      throw new IllegalArgumentException("queueCapacity and ioThreads must be at least 1");
    }
    if (initialBackoff.isNegative()
        || initialBackoff.isZero()
        || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 < initialBackoff <= maxBackoff, got " + initialBackoff + ", " + maxBackoff);
    }
  }

  /**
   * Default limits: 16 MiB frames, 4096 queued messages per peer, backoff 20 ms doubling to 1 s.
   */
  public static TcpTransportConfig of(
      long clusterId,
      long memberId,
      InetSocketAddress listenAddress,
      Map<Long, InetSocketAddress> peers) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        MessageCodec.DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_QUEUE_CAPACITY,
        DEFAULT_INITIAL_BACKOFF,
        DEFAULT_MAX_BACKOFF,
        DEFAULT_CONNECT_TIMEOUT,
        2,
        null);
  }

  public TcpTransportConfig withMaxFrameBytes(int maxFrameBytes) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        maxFrameBytes,
        queueCapacity,
        initialBackoff,
        maxBackoff,
        connectTimeout,
        ioThreads,
        tls);
  }

  public TcpTransportConfig withQueueCapacity(int queueCapacity) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        maxFrameBytes,
        queueCapacity,
        initialBackoff,
        maxBackoff,
        connectTimeout,
        ioThreads,
        tls);
  }

  public TcpTransportConfig withBackoff(Duration initialBackoff, Duration maxBackoff) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        maxFrameBytes,
        queueCapacity,
        initialBackoff,
        maxBackoff,
        connectTimeout,
        ioThreads,
        tls);
  }

  public TcpTransportConfig withListenAddress(InetSocketAddress listenAddress) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        maxFrameBytes,
        queueCapacity,
        initialBackoff,
        maxBackoff,
        connectTimeout,
        ioThreads,
        tls);
  }

  /** These settings with peer TLS {@code tls} (null: plaintext). */
  public TcpTransportConfig withTls(PeerTls tls) {
    return new TcpTransportConfig(
        clusterId,
        memberId,
        listenAddress,
        peers,
        maxFrameBytes,
        queueCapacity,
        initialBackoff,
        maxBackoff,
        connectTimeout,
        ioThreads,
        tls);
  }
}
