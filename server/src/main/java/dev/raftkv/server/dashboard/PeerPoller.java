package dev.raftkv.server.dashboard;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.MemberStatusRequest;
import dev.raftkv.kv.Member;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Asks the other members how they are: {@code raftkvpb.Admin/Status} on each one's first client
 * URL, asynchronously, with a deadline of {@link #DEADLINE}; keeps each one's last answer (or that
 * it did not answer). Never blocks the caller: {@link #poll} only starts the calls and says when
 * they have all ended. Thread-safe.
 */
public final class PeerPoller {
  /** How long a member has to answer one poll; shorter than the dashboard's period. */
  public static final Duration DEADLINE = Duration.ofMillis(800);

  /**
   * What a member answered to the last poll that ended.
   *
   * @param status its status, or null if it did not answer (down, unreachable, too slow, or it has
   *     published no client URL yet)
   * @param error why it did not answer, or empty
   */
  public record Answer(MemberStatus status, String error) {
    /** Whether it answered. */
    public boolean reachable() {
      return status != null;
    }
  }

  private final Function<String, ManagedChannel> channels;
  private final Map<Long, Answer> answers = new ConcurrentHashMap<>();

  /**
   * @param channels a channel to a client URL (kept and closed by its owner)
   */
  public PeerPoller(Function<String, ManagedChannel> channels) {
    this.channels = channels;
  }

  /**
   * Starts one Status call to each of {@code members} but {@code self}, and forgets the others; the
   * future completes once every call has ended (answered, failed or out of time: within {@link
   * #DEADLINE}).
   */
  public CompletableFuture<Void> poll(List<Member> members, long self) {
    Set<Long> current = new HashSet<>();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (Member m : members) {
      current.add(m.id());
      if (m.id() != self) {
        calls.add(ask(m));
      }
    }
    answers.keySet().retainAll(current);
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> ask(Member m) {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    if (m.clientUrls().isEmpty()) {
      answers.put(m.id(), new Answer(null, "no client URL published"));
      ended.complete(null);
      return ended;
    }
    ManagedChannel channel;
    try {
      channel = channels.apply(m.clientUrls().get(0));
    } catch (RuntimeException e) {
      answers.put(m.id(), new Answer(null, String.valueOf(e.getMessage())));
      ended.complete(null);
      return ended;
    }
    AdminGrpc.newStub(channel)
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .status(
            MemberStatusRequest.getDefaultInstance(),
            new StreamObserver<MemberStatus>() {
              @Override
              public void onNext(MemberStatus s) {
                answers.put(m.id(), new Answer(s, ""));
              }

              @Override
              public void onError(Throwable t) {
                answers.put(m.id(), new Answer(null, io.grpc.Status.fromThrowable(t).toString()));
                ended.complete(null);
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    return ended;
  }

  /** The last answer of member {@code id}, or null if none came yet. */
  public Answer answer(long id) {
    return answers.get(id);
  }
}
