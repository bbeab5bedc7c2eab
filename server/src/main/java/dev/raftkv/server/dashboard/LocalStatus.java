package dev.raftkv.server.dashboard;

/**
 * This member's own state, as the dashboard shows it.
 *
 * @param id its member id
 * @param role {@code follower}, {@code pre_candidate}, {@code candidate} or {@code leader}
 * @param term its term
 * @param leader the leader it knows in that term, 0 for none
 * @param commit its commit index
 * @param applied its applied index
 * @param detached whether it is cut off from its peers ({@code POST /detach})
 */
public record LocalStatus(
    long id, String role, long term, long leader, long commit, long applied, boolean detached) {}
