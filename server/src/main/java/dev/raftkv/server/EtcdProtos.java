package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.Compare;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeResponse;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.ResponseOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.kv.DeleteRange;
import dev.raftkv.kv.Event;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.kv.Response;
import dev.raftkv.kv.Txn;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where etcd's protos and the kv records are converted into each other: requests to
 * records ({@code toKv}), results and key values to responses ({@code toProto}, under the header
 * the caller gives). Pure functions; an invalid request throws etcd's error ({@link EtcdError}).
 */
final class EtcdProtos {
  private EtcdProtos() {}

  private static byte[] bytesOrNull(ByteString b) {
    return b.isEmpty() ? null : b.toByteArray();
  }

  static Range toKv(RangeRequest r) {
    return new Range(
        r.getKey().toByteArray(),
        bytesOrNull(r.getRangeEnd()),
        r.getLimit(),
        r.getRevision(),
        Range.SortOrder.valueOf(r.getSortOrder().name()),
        Range.SortTarget.valueOf(r.getSortTarget().name()),
        r.getKeysOnly(),
        r.getCountOnly(),
        r.getMinModRevision(),
        r.getMaxModRevision(),
        r.getMinCreateRevision(),
        r.getMaxCreateRevision());
  }

  static Put toKv(PutRequest r) {
    return new Put(
        r.getKey().toByteArray(),
        r.getValue().toByteArray(),
        r.getLease(),
        r.getPrevKv(),
        r.getIgnoreValue(),
        r.getIgnoreLease());
  }

  static DeleteRange toKv(DeleteRangeRequest r) {
    return new DeleteRange(r.getKey().toByteArray(), bytesOrNull(r.getRangeEnd()), r.getPrevKv());
  }

  static Txn toKv(TxnRequest r) {
    List<dev.raftkv.kv.Compare> cmp = new ArrayList<>();
    for (Compare c : r.getCompareList()) {
      long number =
          switch (c.getTarget()) {
            case VERSION -> c.getVersion();
            case CREATE -> c.getCreateRevision();
            case MOD -> c.getModRevision();
            case LEASE -> c.getLease();
            default -> 0;
          };
      cmp.add(
          new dev.raftkv.kv.Compare(
              c.getKey().toByteArray(),
              bytesOrNull(c.getRangeEnd()),
              dev.raftkv.kv.Compare.Target.valueOf(c.getTarget().name()),
              dev.raftkv.kv.Compare.Result.valueOf(c.getResult().name()),
              number,
              c.getValue().toByteArray()));
    }
    return new Txn(cmp, ops(r.getSuccessList()), ops(r.getFailureList()));
  }

  private static List<dev.raftkv.kv.RequestOp> ops(List<RequestOp> ops) {
    List<dev.raftkv.kv.RequestOp> out = new ArrayList<>();
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> out.add(toKv(op.getRequestRange()));
        case REQUEST_PUT -> out.add(toKv(op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> out.add(toKv(op.getRequestDeleteRange()));
        case REQUEST_TXN -> out.add(toKv(op.getRequestTxn()));
        default -> throw EtcdError.KEY_NOT_FOUND.exception(); // an op holding no request
      }
    }
    return out;
  }

  static KeyValue toProto(dev.raftkv.kv.KeyValue kv) {
    return KeyValue.newBuilder()
        .setKey(ByteString.copyFrom(kv.key()))
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setValue(ByteString.copyFrom(kv.value()))
        .setLease(kv.lease())
        .build();
  }

  private static ResponseHeader nestedHeader(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  static RangeResponse toProto(Range.Result r, ResponseHeader h) {
    RangeResponse.Builder b =
        RangeResponse.newBuilder().setHeader(h).setMore(r.more()).setCount(r.count());
    r.kvs().forEach(kv -> b.addKvs(toProto(kv)));
    return b.build();
  }

  static PutResponse toProto(Put.Result r, ResponseHeader h) {
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(h);
    if (r.prevKv() != null) {
      b.setPrevKv(toProto(r.prevKv()));
    }
    return b.build();
  }

  static DeleteRangeResponse toProto(DeleteRange.Result r, ResponseHeader h) {
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder().setHeader(h).setDeleted(r.deleted());
    r.prevKvs().forEach(kv -> b.addPrevKvs(toProto(kv)));
    return b.build();
  }

  /**
   * The txn's response under {@code h}; the responses of its operations carry a header with only
   * the revision set (no cluster or member id, no raft term), as etcd's do.
   */
  static TxnResponse toProto(Txn.Result r, ResponseHeader h) {
    TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(h).setSucceeded(r.succeeded());
    for (Response sub : r.responses()) {
      ResponseOp.Builder op = ResponseOp.newBuilder();
      if (sub instanceof Range.Result x) {
        op.setResponseRange(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof Put.Result x) {
        op.setResponsePut(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof DeleteRange.Result x) {
        op.setResponseDeleteRange(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof Txn.Result x) {
        op.setResponseTxn(toProto(x, nestedHeader(x.revision())));
      }
      b.addResponses(op);
    }
    return b.build();
  }

  /**
   * A watch event; its previous key value only if the watcher asked for it ({@code prevKv}), and
   * never for a create (a put at version 1: etcd looks none up).
   */
  static dev.raftkv.api.mvccpb.Event toProto(Event e, boolean prevKv) {
    dev.raftkv.api.mvccpb.Event.Builder b =
        dev.raftkv.api.mvccpb.Event.newBuilder()
            .setType(
                e.type() == Event.Type.PUT
                    ? dev.raftkv.api.mvccpb.Event.EventType.PUT
                    : dev.raftkv.api.mvccpb.Event.EventType.DELETE)
            .setKv(toProto(e.kv()));
    boolean create = e.type() == Event.Type.PUT && e.kv().version() == 1;
    if (prevKv && e.prevKv() != null && !create) {
      b.setPrevKv(toProto(e.prevKv()));
    }
    return b.build();
  }

  /** etcd's permission to the kv record (its type by etcd's number, never an ordinal). */
  static dev.raftkv.kv.Permission toKv(dev.raftkv.api.authpb.Permission p) {
    return new dev.raftkv.kv.Permission(
        dev.raftkv.kv.Permission.Type.ofCode(p.getPermTypeValue()),
        p.getKey().toByteArray(),
        p.getRangeEnd().toByteArray());
  }

  static dev.raftkv.api.authpb.Permission toProto(dev.raftkv.kv.Permission p) {
    return dev.raftkv.api.authpb.Permission.newBuilder()
        .setPermTypeValue(p.type().code())
        .setKey(ByteString.copyFrom(p.key()))
        .setRangeEnd(ByteString.copyFrom(p.rangeEnd()))
        .build();
  }
}
