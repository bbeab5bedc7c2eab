package dev.raftkv.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

/**
 * What a running member tells a member that is about to join its cluster: the cluster id and an
 * opaque description the application supplies (raftkv: the members and their URLs). A joining
 * member cannot compute the cluster id from its flags (it depends on the founding members), so it
 * asks one of the members it was told about with {@link #ask}, on the peer port, before it opens
 * its own data dir. A running transport answers with what {@link TcpTransport#setClusterInfo}
 * supplies.
 *
 * @param clusterId the cluster the answering member belongs to
 * @param info the application's description (empty if it supplies none)
 */
public record ClusterInfo(long clusterId, byte[] info) {

  /** The question; carries the handshake magic so a listener can tell a raftkv peer. */
  record Query() {}

  public ClusterInfo {
    Objects.requireNonNull(info, "info");
  }

  /**
   * Asks the member listening for peers on {@code address}.
   *
   * @param timeout how long connecting and the answer may take together
   * @throws IOException if the member cannot be reached, does not answer in time, or answers with
   *     something that is not a cluster description (the message says which)
   */
  public static ClusterInfo ask(InetSocketAddress address, Duration timeout) throws IOException {
    return ask(address, timeout, null);
  }

  /**
   * Asks the member listening for peers on {@code address}, over TLS made with {@code tls}'s client
   * context when {@code tls} is not null (the same checks as the transport's own connections: the
   * peer's certificate and host name, and this member's certificate if the peer asks for one).
   *
   * @param timeout how long connecting and the answer may take together
   * @throws IOException if the member cannot be reached, the TLS handshake fails, the member does
   *     not answer in time, or answers with something that is not a cluster description (the
   *     message says which)
   */
  public static ClusterInfo ask(InetSocketAddress address, Duration timeout, PeerTls tls)
      throws IOException {
    MessageCodec codec = new MessageCodec();
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try (Socket s = open(address, millis, tls)) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.write(codec.encodeQuery());
      out.flush();
      InputStream raw = s.getInputStream();
      DataInputStream in = new DataInputStream(raw);
      int length = in.readInt();
      MessageCodec.checkLength(length, codec.maxFrameBytes());
      byte[] frame = new byte[4 + length];
      ByteBuffer.wrap(frame).putInt(length);
      in.readFully(frame, 4, length);
      Object answer;
      try {
        answer = codec.decodeFrame(ByteBuffer.wrap(frame));
      } catch (CodecException e) {
        throw new IOException(address + " answered with a bad frame: " + e.getMessage(), e);
      }
      if (answer instanceof ClusterInfo info) {
        return info;
      }
      throw new IOException(
          address + " answered " + answer + " instead of its cluster's description");
    }
  }

  /** A connected socket to {@code address}: plain, or TLS with its handshake done. */
  private static Socket open(InetSocketAddress address, int millis, PeerTls tls)
      throws IOException {
    Socket plain = new Socket();
    try {
      plain.connect(address, millis);
      plain.setSoTimeout(millis);
      if (tls == null) {
        return plain;
      }
      JdkSslContext client = (JdkSslContext) tls.client();
      // The engine carries the context's protocols, cipher suites and host name check.
      SSLEngine engine =
          client.newEngine(ByteBufAllocator.DEFAULT, address.getHostString(), address.getPort());
      SSLSocket ssl =
          (SSLSocket)
              client
                  .context()
                  .getSocketFactory()
                  .createSocket(plain, address.getHostString(), address.getPort(), true);
      ssl.setSSLParameters(engine.getSSLParameters());
      ssl.setUseClientMode(true);
      ssl.startHandshake();
      return ssl;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterInfo c
        && c.clusterId == clusterId
        && java.util.Arrays.equals(c.info, info);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(clusterId) * 31 + java.util.Arrays.hashCode(info);
  }

  @Override
  public String toString() {
    return "ClusterInfo[" + Long.toHexString(clusterId) + ", " + info.length + " bytes]";
  }
}
