package dev.raftkv.server;

/**
 * Who a call is from, once its credentials were checked (etcd's {@code auth.AuthInfo}).
 *
 * @param user the user name
 * @param revision the auth revision the credentials were checked at (a proposal carries it)
 */
record AuthInfo(String user, long revision) {}
