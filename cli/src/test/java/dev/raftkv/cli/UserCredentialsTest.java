package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcdctl's {@code --user name[:password]}, and how a refusal is told. */
class UserCredentialsTest {
  @Test
  void thePasswordFollowsTheFirstColon() {
    assertThat(UserCredentials.parse("root:pw", null)).isEqualTo(new UserCredentials("root", "pw"));
    assertThat(UserCredentials.parse("root:a:b", null))
        .isEqualTo(new UserCredentials("root", "a:b"));
    assertThat(UserCredentials.parse("root:", null)).isEqualTo(new UserCredentials("root", ""));
  }

  @Test
  void withoutAColonThePasswordIsAskedOnTheTerminal() {
    List<String> prompts = new ArrayList<>();
    UserCredentials c =
        UserCredentials.parse(
            "root",
            prompt -> {
              prompts.add(prompt);
              return "typed".toCharArray();
            });
    assertThat(c).isEqualTo(new UserCredentials("root", "typed"));
    assertThat(prompts).containsExactly("Password: ");
  }

  @Test
  void withoutAColonAndWithoutATerminalItIsAClearError() {
    assertThatThrownBy(() -> UserCredentials.parse("root", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--user root: no password after ':' and no terminal to ask for it on; give --user"
                + " root:PASSWORD");
    assertThatThrownBy(() -> UserCredentials.parse("root", prompt -> null))
        .hasMessage("--user root: no password was typed");
    assertThatThrownBy(() -> UserCredentials.parse(":pw", null))
        .hasMessageContaining("the user name is empty");
  }

  @Test
  void thePasswordIsNotPrinted() {
    assertThat(new UserCredentials("root", "secret").toString()).doesNotContain("secret");
  }

  @Test
  void aRefusalIsTheServersMessageAndAnOutageItsCode() {
    assertThat(
            UserCredentials.describe(
                Status.PERMISSION_DENIED
                    .withDescription("etcdserver: permission denied")
                    .asRuntimeException()))
        .isEqualTo("etcdserver: permission denied");
    assertThat(
            UserCredentials.describe(
                Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
        .isEqualTo("UNAVAILABLE: io exception");
    assertThat(
            UserCredentials.describe(
                Status.DEADLINE_EXCEEDED
                    .withDescription("CallOptions deadline exceeded after 4.9s. [...]")
                    .asRuntimeException()))
        .isEqualTo("DEADLINE_EXCEEDED: no answer in time");
    assertThat(UserCredentials.describe(Status.INTERNAL.asRuntimeException()))
        .isEqualTo("INTERNAL");
  }
}
