package dev.raftkv.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Members' client endpoints ({@code host:port,...} or URLs, like etcdctl's --endpoints), over gRPC:
 * plaintext, or TLS as {@link TlsOptions} says.
 */
final class Endpoints implements AutoCloseable {
  private final List<String> targets = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  Endpoints(String list, TlsOptions tls) {
    for (String e : list.split(",")) {
      String t = e.trim().replaceFirst("^https?://", "");
      if (!t.isEmpty()) {
        targets.add(t);
        channels.add(tls.channel(e).build());
      }
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--endpoints: no endpoint given");
    }
  }

  List<String> targets() {
    return targets;
  }

  ManagedChannel channel(int i) {
    return channels.get(i);
  }

  int size() {
    return channels.size();
  }

  /**
   * Calls the endpoints in turn until one answers without UNAVAILABLE (down, or no leader there),
   * as etcdctl does; throws the last error otherwise.
   */
  <T> T first(Function<ManagedChannel, T> call) {
    StatusRuntimeException last = null;
    for (ManagedChannel ch : channels) {
      try {
        return call.apply(ch);
      } catch (StatusRuntimeException e) {
        last = e;
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw e;
        }
      }
    }
    throw last;
  }

  @Override
  public void close() {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
      try {
        ch.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
