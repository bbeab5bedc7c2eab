/**
 * The live dashboard every member serves on its admin URL ({@code GET /}): the page and its scripts
 * ({@link dev.raftkv.server.dashboard.StaticFiles}), and the stream of snapshots it draws ({@code
 * GET /events}, server-sent events; {@link dev.raftkv.server.dashboard.EventStream}). A snapshot
 * ({@link dev.raftkv.server.dashboard.Dashboard}) holds the members as each answers {@code
 * raftkvpb.Admin/Status} ({@link dev.raftkv.server.dashboard.PeerPoller}), the leader changes and
 * elections this member saw ({@link dev.raftkv.server.dashboard.LeaderTimeline}) and this member's
 * rates and latencies ({@link dev.raftkv.server.dashboard.ChartSampler}).
 */
package dev.raftkv.server.dashboard;
