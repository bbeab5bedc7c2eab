package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.runtime.Applied;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client-side checks of the production-loop simulator. */
class AcknowledgementsTest {
  private final Acknowledgements acks = new Acknowledgements();

  @Test
  void aProposalCompletedWithAnotherEntrysResultIsCaught() {
    assertThatThrownBy(() -> acks.acknowledged(2, "w7", new Applied(12, "w3")))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("A proposal completes with its own entry")
        .hasMessageContaining("w7")
        .hasMessageContaining("index 12");
  }

  @Test
  void aReadBelowAWriteAcknowledgedBeforeItBeganIsCaught() {
    acks.acknowledged(1, "w1", new Applied(5, "w1"));
    long floor = acks.readFloor();
    assertThatCode(() -> acks.readServed(2, floor, 5, 5)).doesNotThrowAnyException();
    assertThatThrownBy(() -> acks.readServed(2, floor, 4, 9))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("Linearizable reads")
        .hasMessageContaining("below a write acknowledged at 5");
  }

  @Test
  void aReadReleasedBeforeTheMachineAppliedItsIndexIsCaught() {
    assertThatThrownBy(() -> acks.readServed(3, 0, 8, 7))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("had applied only 7");
  }

  @Test
  void anAcknowledgedWriteMissingOnAMemberIsCaught() {
    acks.acknowledged(1, "w1", new Applied(5, "w1"));
    List<SimStateMachine.Write> has = List.of(new SimStateMachine.Write(5, "w1"));
    List<SimStateMachine.Write> elsewhere = List.of(new SimStateMachine.Write(6, "w1"));
    assertThatCode(() -> acks.checkDurable(Map.of(1L, has))).doesNotThrowAnyException();
    assertThatThrownBy(() -> acks.checkDurable(Map.of(1L, has, 2L, elsewhere)))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("Durability")
        .hasMessageContaining("member 2");
  }
}
