package dev.raftkv.server;

import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one server needs to start, in etcd's terms: its name, data dir, the URLs it listens on, and
 * the initial cluster ({@code name=peerURL,...}). Member and cluster ids are derived the way etcd
 * does it in spirit: a member id is a hash of its peer URL and the cluster token, the cluster id a
 * hash of all member ids and the token, so every member computes the same ids.
 *
 * @param name this member's name (a key of {@code initialCluster})
 * @param dataDir where the WAL, snapshots and the KV store live
 * @param clientUrl where clients connect (the etcd API)
 * @param peerUrl where the other members connect
 * @param adminUrl the admin HTTP endpoint (health, status, detach, attach)
 * @param initialCluster every founding member's name and peer URL, in the given order
 * @param newCluster whether the cluster is being created (etcd's initial-cluster-state=new)
 * @param token the cluster token (etcd's initial-cluster-token)
 * @param heartbeatMs the heartbeat interval; one Raft tick
 * @param electionMs the election timeout; elections draw from [electionMs, 2 * electionMs)
 * @param advertiseClientUrls the client URLs this member publishes to the cluster (what {@code
 *     etcdctl member list} shows and where other members forward leader-only calls; etcd's
 *     advertise-client-urls); null or empty means {@code clientUrl}. A wildcard host (0.0.0.0, ::)
 *     is refused: nobody can connect to it.
 * @param snapshotCount applied entries between two snapshots, after which the Raft log before the
 *     snapshot is discarded (etcd's snapshot-count; default {@value #DEFAULT_SNAPSHOT_COUNT})
 * @param listenClientUrls every URL the etcd API listens on (etcd's listen-client-urls, {@code
 *     http://} and {@code https://} alike); null or empty means {@code clientUrl} alone, which is
 *     otherwise the first of them
 * @param tls the TLS flags; null means none. As in etcd, an {@code https://} URL needs its side's
 *     certificate and key (or auto-TLS) and an {@code http://} one is plaintext whatever is set:
 *     the client side's serve the listen client URLs and the admin URL, the peer side's the peer
 *     URL and every connection to the other members when the peer URL is {@code https://}
 * @param auth auth tokens and password hashing (etcd's {@code --auth-token}, {@code
 *     --auth-token-ttl}, {@code --bcrypt-cost}); null means {@link AuthConfig#DEFAULTS}
 * @param quotaBackendBytes the space quota (etcd's {@code --quota-backend-bytes}): past it the
 *     member raises a NOSPACE alarm and writes are refused. 0 means etcd's default, {@value
 *     #DEFAULT_QUOTA_BYTES} (2 GiB); a negative value turns the quota off (as etcd); above {@value
 *     #MAX_QUOTA_BYTES} (8 GiB) the server warns at start, as etcd does
 */
public record ServerConfig(
    String name,
    Path dataDir,
    URI clientUrl,
    URI peerUrl,
    URI adminUrl,
    Map<String, URI> initialCluster,
    boolean newCluster,
    String token,
    int heartbeatMs,
    int electionMs,
    List<URI> advertiseClientUrls,
    long snapshotCount,
    List<URI> listenClientUrls,
    TlsSettings tls,
    AuthConfig auth,
    long quotaBackendBytes) {

  /** etcd's default {@code --quota-backend-bytes} (2 GiB). */
  public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

  /** etcd's suggested maximum {@code --quota-backend-bytes} (8 GiB): above it, a warning. */
  public static final long MAX_QUOTA_BYTES = 8L * 1024 * 1024 * 1024;

  /** etcd's default {@code --snapshot-count}. */
  public static final long DEFAULT_SNAPSHOT_COUNT = 100_000;

  /**
   * @throws IllegalArgumentException naming the flag that is wrong
   */
  public ServerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(clientUrl, "clientUrl");
    listenClientUrls =
        listenClientUrls == null || listenClientUrls.isEmpty()
            ? List.of(clientUrl)
            : List.copyOf(listenClientUrls);
    tls = tls == null ? TlsSettings.NONE : tls;
    checkTls(listenClientUrls, peerUrl, adminUrl, tls);
    if (advertiseClientUrls == null || advertiseClientUrls.isEmpty()) {
      for (URI u : listenClientUrls) {
        if (isWildcard(u)) {
          throw new IllegalArgumentException(
              "--listen-client-urls "
                  + u
                  + " is a wildcard address, which clients cannot connect to: give"
                  + " --advertise-client-urls, the URLs clients reach this member at");
        }
      }
      advertiseClientUrls = listenClientUrls;
    } else {
      advertiseClientUrls = List.copyOf(advertiseClientUrls);
      for (URI u : advertiseClientUrls) {
        if (isWildcard(u)) {
          throw new IllegalArgumentException(
              "--advertise-client-urls: "
                  + u
                  + " is a wildcard address, which clients cannot connect to");
        }
      }
    }
    initialCluster = Collections.unmodifiableMap(new LinkedHashMap<>(initialCluster));
    if (!initialCluster.containsKey(name)) {
      throw new IllegalArgumentException(
          "--initial-cluster has no member named '" + name + "' (--name)");
    }
    if (heartbeatMs <= 0) {
      throw new IllegalArgumentException(
          "--heartbeat-interval must be positive, got " + heartbeatMs);
    }
    if (electionMs < 2 * heartbeatMs) {
      throw new IllegalArgumentException(
          "--election-timeout ("
              + electionMs
              + " ms) must be at least twice --heartbeat-interval ("
              + heartbeatMs
              + " ms)");
    }
    if (snapshotCount <= 0) {
      throw new IllegalArgumentException("--snapshot-count must be positive, got " + snapshotCount);
    }
    if (auth == null) {
      auth = AuthConfig.DEFAULTS;
    }
    if (quotaBackendBytes == 0) {
      quotaBackendBytes = DEFAULT_QUOTA_BYTES;
    }
  }

  /** A configuration with etcd's default space quota. */
  public ServerConfig(
      String name,
      Path dataDir,
      URI clientUrl,
      URI peerUrl,
      URI adminUrl,
      Map<String, URI> initialCluster,
      boolean newCluster,
      String token,
      int heartbeatMs,
      int electionMs,
      List<URI> advertiseClientUrls,
      long snapshotCount,
      List<URI> listenClientUrls,
      TlsSettings tls,
      AuthConfig auth) {
    this(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        snapshotCount,
        listenClientUrls,
        tls,
        auth,
        0);
  }

  /** This configuration with {@code --quota-backend-bytes} set to {@code bytes} (0: default). */
  public ServerConfig withQuotaBackendBytes(long bytes) {
    return new ServerConfig(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        snapshotCount,
        listenClientUrls,
        tls,
        auth,
        bytes);
  }

  /** This configuration with the auth settings {@code newAuth}. */
  public ServerConfig withAuth(AuthConfig newAuth) {
    return new ServerConfig(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        snapshotCount,
        listenClientUrls,
        tls,
        newAuth,
        quotaBackendBytes);
  }

  /**
   * etcd's rules for the URL schemes: each listen URL is {@code http://} or {@code https://}, and
   * an {@code https://} one needs its side's certificate and key (or auto-TLS).
   */
  private static void checkTls(List<URI> clientUrls, URI peerUrl, URI adminUrl, TlsSettings tls) {
    checkPair("", tls.client());
    checkPair("peer-", tls.peer());
    for (URI u : clientUrls) {
      checkScheme("--listen-client-urls", u, tls.client(), "");
    }
    if (peerUrl != null) {
      checkScheme("--listen-peer-urls", peerUrl, tls.peer(), "peer-");
    }
    if (adminUrl != null) {
      checkScheme("--listen-admin-urls", adminUrl, tls.client(), "");
    }
  }

  private static void checkPair(String side, TlsFiles files) {
    if ((files.certFile() == null) != (files.keyFile() == null)) {
      String set = files.certFile() != null ? "cert-file" : "key-file";
      String unset = files.certFile() != null ? "key-file" : "cert-file";
      throw new IllegalArgumentException(
          "--" + side + set + " is set but --" + side + unset + " is not");
    }
  }

  private static void checkScheme(String flag, URI url, TlsFiles files, String side) {
    String scheme = url.getScheme() == null ? "" : url.getScheme();
    if (scheme.equals("https")) {
      if (!files.canServe()) {
        throw new IllegalArgumentException(
            flag
                + " has "
                + url
                + " but --"
                + side
                + "cert-file and --"
                + side
                + "key-file are not set (or --"
                + side
                + "auto-tls)");
      }
    } else if (!scheme.equals("http")) {
      throw new IllegalArgumentException(
          flag + ": '" + url + "' must start with http:// or https://");
    }
  }

  /** Whether a client URL is {@code https://}: the etcd API is then served over TLS there. */
  public boolean clientTls() {
    return listenClientUrls.stream().anyMatch(ServerConfig::isHttps);
  }

  /** Whether the peer URL is {@code https://}: every peer connection then uses TLS. */
  public boolean peerTls() {
    return isHttps(peerUrl);
  }

  /** Whether {@code url} is {@code https://}. */
  public static boolean isHttps(URI url) {
    return "https".equals(url.getScheme());
  }

  /** A configuration with the default {@code --snapshot-count}. */
  public ServerConfig(
      String name,
      Path dataDir,
      URI clientUrl,
      URI peerUrl,
      URI adminUrl,
      Map<String, URI> initialCluster,
      boolean newCluster,
      String token,
      int heartbeatMs,
      int electionMs,
      List<URI> advertiseClientUrls) {
    this(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        DEFAULT_SNAPSHOT_COUNT);
  }

  /** A plaintext configuration listening for clients on {@code clientUrl} alone. */
  public ServerConfig(
      String name,
      Path dataDir,
      URI clientUrl,
      URI peerUrl,
      URI adminUrl,
      Map<String, URI> initialCluster,
      boolean newCluster,
      String token,
      int heartbeatMs,
      int electionMs,
      List<URI> advertiseClientUrls,
      long snapshotCount) {
    this(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        snapshotCount,
        List.of(),
        TlsSettings.NONE,
        AuthConfig.DEFAULTS);
  }

  /** This configuration with {@code --snapshot-count} set to {@code count}. */
  public ServerConfig withSnapshotCount(long count) {
    return new ServerConfig(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        advertiseClientUrls,
        count,
        listenClientUrls,
        tls,
        auth,
        quotaBackendBytes);
  }

  /** A configuration whose advertised client URL is {@code clientUrl}. */
  public ServerConfig(
      String name,
      Path dataDir,
      URI clientUrl,
      URI peerUrl,
      URI adminUrl,
      Map<String, URI> initialCluster,
      boolean newCluster,
      String token,
      int heartbeatMs,
      int electionMs) {
    this(
        name,
        dataDir,
        clientUrl,
        peerUrl,
        adminUrl,
        initialCluster,
        newCluster,
        token,
        heartbeatMs,
        electionMs,
        List.of());
  }

  /**
   * Parses a comma-separated list of URLs, as etcd's {@code --advertise-client-urls} and {@code
   * --initial-advertise-peer-urls} take them.
   *
   * @throws IllegalArgumentException naming {@code flag} and the bad URL
   */
  public static List<URI> parseUrls(String flag, String value) {
    List<URI> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        out.add(parseUrl(flag, part));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(flag + ": no URL given");
    }
    return out;
  }

  /** Whether {@code url}'s host is a wildcard address (0.0.0.0 or ::): listen-only, unreachable. */
  public static boolean isWildcard(URI url) {
    String host = url.getHost();
    return host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::");
  }

  /**
   * Parses etcd's {@code --initial-cluster} value: {@code name=url,name=url}.
   *
   * @throws IllegalArgumentException naming the flag and the bad part
   */
  public static Map<String, URI> parseInitialCluster(String value) {
    Map<String, URI> out = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IllegalArgumentException(
            "--initial-cluster: '" + p + "' is not of the form name=http://host:port");
      }
      String name = p.substring(0, eq);
      URI url = parseUrl("--initial-cluster", p.substring(eq + 1));
      if (out.put(name, url) != null) {
        throw new IllegalArgumentException(
            "--initial-cluster: member '" + name + "' appears twice");
      }
    }
    return out;
  }

  /**
   * Parses one URL with host and port, as etcd's URL flags take them.
   *
   * @throws IllegalArgumentException naming {@code flag}
   */
  public static URI parseUrl(String flag, String value) {
    try {
      URI u = new URI(value.trim());
      if (u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException(
            flag + ": '" + value + "' needs a host and a port, like http://127.0.0.1:2379");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(flag + ": '" + value + "' is not a URL", e);
    }
  }

  /**
   * The member id of {@code member}: its name if the name is a positive number (the seed documents
   * number their servers), else a positive hash of its peer URL and the token.
   */
  public long memberId(String member) {
    return memberId(member, initialCluster.get(member), token);
  }

  /**
   * The member id a member named {@code name} with peer URL {@code peerUrl} gets in a new cluster
   * made with {@code token} (see {@link #memberId(String)}).
   */
  public static long memberId(String name, URI peerUrl, String token) {
    if (name.matches("[1-9][0-9]{0,17}")) {
      return Long.parseLong(name);
    }
    return hash(peerUrl.toString() + "|" + token);
  }

  /** The id of a new cluster of members {@code memberIds} made with {@code token}. */
  public static long clusterId(java.util.Collection<Long> memberIds, String token) {
    StringBuilder sb = new StringBuilder();
    new java.util.TreeSet<>(memberIds).forEach(id -> sb.append(id).append(','));
    return hash(sb + "|" + token);
  }

  /** This member's id. */
  public long memberId() {
    return memberId(name);
  }

  /** Every founding member's id and peer address. */
  public Map<Long, InetSocketAddress> peers() {
    Map<Long, InetSocketAddress> out = new TreeMap<>();
    for (Map.Entry<String, URI> e : initialCluster.entrySet()) {
      out.put(memberId(e.getKey()), address(e.getValue()));
    }
    return out;
  }

  /** The cluster id: a hash of the sorted member ids and the token. */
  public long clusterId() {
    return clusterId(peers().keySet(), token);
  }

  /** The socket address of a URL. */
  public static InetSocketAddress address(URI url) {
    return new InetSocketAddress(url.getHost(), url.getPort());
  }

  static long hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[i] & 0xff);
      }
      v &= Long.MAX_VALUE;
      return v == 0 ? 1 : v;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
