package dev.raftkv.transport;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * TLS for the peer transport (etcd's peer TLS): every connection this member accepts starts with a
 * TLS handshake served with {@code server}, and every connection it opens with one made with {@code
 * client}, before the cluster-id handshake ({@link Handshake}); so a peer refused at the TLS
 * handshake (for example one without a certificate signed by the trusted CA when {@code server}
 * requires client certificates) never reaches the cluster-id check. Covers everything that travels
 * over the transport: Raft messages, snapshots ({@code InstallSnapshot} chunks) and a joining
 * member's {@link ClusterInfo} query.
 *
 * <p>Both contexts must use the JDK provider ({@link JdkSslContext}): {@link ClusterInfo#ask} runs
 * on a blocking socket and takes the JDK {@code SSLContext} from {@code client}.
 *
 * @param server the context accepted connections are served with ({@link SslContext#isServer()})
 * @param client the context outgoing connections use ({@link SslContext#isClient()}); it verifies
 *     the peer's host name against its certificate unless the context was built not to
 */
public record PeerTls(SslContext server, SslContext client) {

  /**
   * @throws IllegalArgumentException if a context has the wrong side or is not a JDK context
   */
  public PeerTls {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(client, "client");
    if (!server.isServer() || !client.isClient()) {
      throw new IllegalArgumentException("PeerTls needs a server context and a client context");
    }
    if (!(server instanceof JdkSslContext) || !(client instanceof JdkSslContext)) {
      throw new IllegalArgumentException("PeerTls needs contexts of the JDK provider");
    }
  }
}
