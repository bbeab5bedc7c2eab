package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.KvException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The auth errors in the two tables (the kv module's, raised at apply, and {@link EtcdError}) are
 * the same codes and messages, etcd's; a refused watch's reason is printed as Go prints a status.
 */
class AuthErrorsTest {
  @Test
  void everyAuthCodeOfTheStoreIsInEtcdErrorWithTheSameCodeAndMessage() {
    for (KvException.Code k : KvException.Code.values()) {
      if (k.compareTo(KvException.Code.ROOT_USER_NOT_EXIST) < 0) {
        continue; // the ones before are not auth's
      }
      EtcdError e = EtcdError.valueOf(k.name());
      assertThat(e.message()).as(k.name()).isEqualTo(k.message());
      assertThat(e.code().name()).as(k.name()).isEqualTo(k.grpcStatus());
      assertThat(EtcdError.toStatus(new KvException(k)).getStatus().getCode()).isEqualTo(e.code());
    }
  }

  @Test
  void etcdsCodesForTheAuthErrorsClientsMatchOn() {
    assertThat(EtcdError.INVALID_AUTH_TOKEN.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(EtcdError.PERMISSION_DENIED.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(EtcdError.AUTH_OLD_REVISION.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(EtcdError.USER_EMPTY.message()).isEqualTo("etcdserver: user name is empty");
  }

  @Test
  void aWatchRefusalReadsAsGoPrintsTheStatus() {
    assertThat(EtcdWatchService.goStatusText(EtcdError.PERMISSION_DENIED.exception().getStatus()))
        .isEqualTo("rpc error: code = PermissionDenied desc = etcdserver: permission denied");
    assertThat(EtcdWatchService.goStatusText(EtcdError.USER_EMPTY.exception().getStatus()))
        .isEqualTo("rpc error: code = InvalidArgument desc = etcdserver: user name is empty");
  }
}
