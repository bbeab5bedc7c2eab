package dev.raftkv.kv;

/** etcd's {@code RequestOp}: one of the requests a txn may contain. */
public sealed interface RequestOp extends Op permits Range, Put, DeleteRange, Txn {}
