package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Requests {@link EtcdKvService} refuses before anything reaches the Raft log. */
class EtcdKvServiceValidationTest {
  /** Records what the service answers. */
  private static final class Recorder<T> implements StreamObserver<T> {
    final List<T> values = new ArrayList<>();
    Throwable error;

    @Override
    public void onNext(T value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }

  @Test
  void aTxnWithAnEmptyRequestOpIsInvalidArgumentKeyNotFoundAsEtcd() {
    // etcd's checkRequestOp answers an op with no request set with ErrGRPCKeyNotFound; raftkv
    // threw out of the handler and the client saw UNKNOWN (found by the differential test)
    EtcdKvService service =
        new EtcdKvService(
            new KvServer(
                null,
                null,
                1,
                2,
                new RequestTimeouts(Duration.ofSeconds(1), System::nanoTime),
                Runnable::run,
                new Authorizer(() -> dev.raftkv.kv.AuthState.EMPTY, null, () -> 0)));
    Recorder<TxnResponse> out = new Recorder<>();
    service.txn(
        TxnRequest.newBuilder()
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(
                        PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("k"))
                            .setValue(ByteString.copyFromUtf8("v"))))
            .addFailure(RequestOp.getDefaultInstance())
            .build(),
        out);
    assertThat(out.values).isEmpty();
    assertThat(out.error).isInstanceOf(StatusRuntimeException.class);
    assertThat(out.error).hasMessage("INVALID_ARGUMENT: etcdserver: key not found");
  }
}
