package dev.raftkv.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.kv.Bytes;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The client verbs {@code put}, {@code get} and {@code del}, over the etcd v3 API. */
final class KvVerbs {
  private KvVerbs() {}

  /** Options every client verb shares. */
  static final class Client {
    @Option(
        names = "--endpoints",
        defaultValue = "127.0.0.1:2379",
        description =
            "Client endpoints, host:port,... (https://host:port: over TLS; default:"
                + " ${DEFAULT-VALUE}).")
    String endpoints;

    @Option(
        names = "--command-timeout",
        defaultValue = "5",
        description = "Seconds to wait for an answer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Mixin TlsOptions tls;

    KVGrpc.KVBlockingStub kv(io.grpc.Channel ch) {
      return KVGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** Calls {@code rpc} on the first endpoint that can answer, prints the answer: exit code. */
    <T> int call(Function<KVGrpc.KVBlockingStub, T> rpc, Consumer<T> print) {
      try (Endpoints e = new Endpoints(endpoints, tls)) {
        print.accept(e.first(ch -> rpc.apply(kv(ch))));
        return 0;
      } catch (StatusRuntimeException ex) {
        return fail(ex);
      }
    }
  }

  static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  static int fail(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    System.err.println("Error: " + (d != null ? d : e.getStatus().getCode()));
    return 1;
  }

  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description = "Puts KEY = VALUE; prints OK.")
  static final class Put implements Callable<Integer> {
    @Mixin Client client;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() {
      try (Endpoints e = new Endpoints(client.endpoints, client.tls)) {
        e.first(
            ch ->
                client
                    .kv(ch)
                    .put(
                        PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build()));
        System.out.println("OK");
        return 0;
      } catch (StatusRuntimeException ex) {
        return fail(ex);
      }
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Prints KEY and its value (each key of the range with --prefix).")
  static final class Get implements Callable<Integer> {
    @Mixin Client client;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--prefix", description = "Every key starting with KEY.")
    boolean prefix;

    @Option(
        names = "--consistency",
        defaultValue = "l",
        description = "l (linearizable) or s (serializable).")
    String consistency;

    @Override
    public Integer call() {
      RangeRequest.Builder req = RangeRequest.newBuilder().setKey(bytes(key));
      if (prefix) {
        req.setRangeEnd(prefixEnd(bytes(key)));
      }
      req.setSerializable("s".equals(consistency));
      return client.call(
          kv -> kv.range(req.build()),
          (RangeResponse r) -> {
            for (KeyValue kv : r.getKvsList()) {
              System.out.println(kv.getKey().toStringUtf8());
              System.out.println(kv.getValue().toStringUtf8());
            }
          });
    }
  }

  @Command(
      name = "del",
      mixinStandardHelpOptions = true,
      description = "Deletes KEY; prints how many keys went.")
  static final class Del implements Callable<Integer> {
    @Mixin Client client;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--prefix", description = "Every key starting with KEY.")
    boolean prefix;

    @Override
    public Integer call() {
      DeleteRangeRequest.Builder req = DeleteRangeRequest.newBuilder().setKey(bytes(key));
      if (prefix) {
        req.setRangeEnd(prefixEnd(bytes(key)));
      }
      return client.call(
          kv -> kv.deleteRange(req.build()), r -> System.out.println(r.getDeleted()));
    }
  }

  /** The end of the range of keys starting with {@code prefix} (etcd's convention). */
  static ByteString prefixEnd(ByteString prefix) {
    return ByteString.copyFrom(Bytes.prefixEnd(prefix.toByteArray()));
  }
}
