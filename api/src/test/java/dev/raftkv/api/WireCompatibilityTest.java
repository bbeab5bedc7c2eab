package dev.raftkv.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftkv.api.etcdserverpb.Compare;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.api.mvccpb.Event;
import dev.raftkv.api.mvccpb.KeyValue;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The bytes our messages put on the wire, compared with bytes computed by hand from etcd's field
 * numbers and types. A tag byte is {@code field_number << 3 | wire_type}, with wire type 0 for
 * varints (int64, uint64, bool, enum) and 2 for length-delimited fields (bytes, string, messages).
 * A wrong field number, or sint64 where etcd has int64, changes these bytes.
 */
class WireCompatibilityTest {

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Parses "0a 01 6b ..." into bytes. */
  private static byte[] hex(String spaced) {
    String[] parts = spaced.trim().split("\\s+");
    byte[] out = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return out;
  }

  @Test
  void responseHeaderFieldsAreOneToFour() throws InvalidProtocolBufferException {
    ResponseHeader header =
        ResponseHeader.newBuilder()
            .setClusterId(1)
            .setMemberId(2)
            .setRevision(3)
            .setRaftTerm(4)
            .build();
    // cluster_id=1 (tag 0x08), member_id=2 (0x10), revision=3 (0x18), raft_term=4 (0x20)
    byte[] expected = hex("08 01 10 02 18 03 20 04");
    assertThat(header.toByteArray()).isEqualTo(expected);
    assertThat(ResponseHeader.parseFrom(expected)).isEqualTo(header);
  }

  @Test
  void responseHeaderIdsAreUnsignedAndRevisionIsPlainInt64() {
    // etcd member ids use all 64 bits; a uint64 of all ones is a 10-byte varint. A plain int64
    // of -1 encodes the same way (an sint64 would be the single byte 0x01).
    ResponseHeader header = ResponseHeader.newBuilder().setMemberId(-1L).setRevision(-1L).build();
    String tenOnes = "ff ff ff ff ff ff ff ff ff 01";
    assertThat(header.toByteArray()).isEqualTo(hex("10 " + tenOnes + " 18 " + tenOnes));
  }

  @Test
  void rangeRequestUsesAllThirteenEtcdFieldNumbers() throws InvalidProtocolBufferException {
    RangeRequest request =
        RangeRequest.newBuilder()
            .setKey(utf8("a"))
            .setRangeEnd(utf8("b"))
            .setLimit(10)
            .setRevision(5)
            .setSortOrder(RangeRequest.SortOrder.DESCEND)
            .setSortTarget(RangeRequest.SortTarget.MOD)
            .setSerializable(true)
            .setKeysOnly(true)
            .setCountOnly(true)
            .setMinModRevision(1)
            .setMaxModRevision(2)
            .setMinCreateRevision(3)
            .setMaxCreateRevision(4)
            .build();
    byte[] expected =
        hex(
            "0a 01 61" // 1 key "a"
                + " 12 01 62" // 2 range_end "b"
                + " 18 0a" // 3 limit 10
                + " 20 05" // 4 revision 5
                + " 28 02" // 5 sort_order DESCEND = 2
                + " 30 03" // 6 sort_target MOD = 3
                + " 38 01" // 7 serializable
                + " 40 01" // 8 keys_only
                + " 48 01" // 9 count_only
                + " 50 01" // 10 min_mod_revision 1
                + " 58 02" // 11 max_mod_revision 2
                + " 60 03" // 12 min_create_revision 3
                + " 68 04"); // 13 max_create_revision 4
    assertThat(request.toByteArray()).isEqualTo(expected);
    assertThat(RangeRequest.parseFrom(expected)).isEqualTo(request);
  }

  @Test
  void sortEnumsHaveEtcdNumbers() {
    assertThat(RangeRequest.SortOrder.NONE.getNumber()).isZero();
    assertThat(RangeRequest.SortOrder.ASCEND.getNumber()).isEqualTo(1);
    assertThat(RangeRequest.SortOrder.DESCEND.getNumber()).isEqualTo(2);
    assertThat(RangeRequest.SortTarget.KEY.getNumber()).isZero();
    assertThat(RangeRequest.SortTarget.VERSION.getNumber()).isEqualTo(1);
    assertThat(RangeRequest.SortTarget.CREATE.getNumber()).isEqualTo(2);
    assertThat(RangeRequest.SortTarget.MOD.getNumber()).isEqualTo(3);
    assertThat(RangeRequest.SortTarget.VALUE.getNumber()).isEqualTo(4);
  }

  @Test
  void putRequestFieldsAreOneToSix() {
    PutRequest put =
        PutRequest.newBuilder()
            .setKey(utf8("k"))
            .setValue(utf8("v"))
            .setLease(7)
            .setPrevKv(true)
            .setIgnoreValue(true)
            .setIgnoreLease(true)
            .build();
    assertThat(put.toByteArray()).isEqualTo(hex("0a 01 6b 12 01 76 18 07 20 01 28 01 30 01"));
  }

  @Test
  void txnRequestNestsCompareAndOpsLikeEtcd() throws InvalidProtocolBufferException {
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setResult(Compare.CompareResult.GREATER)
                    .setTarget(Compare.CompareTarget.MOD)
                    .setKey(utf8("k"))
                    .setModRevision(5)
                    .setRangeEnd(utf8("l")))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(utf8("k")).setValue(utf8("v"))))
            .addFailure(
                RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(utf8("k"))))
            .build();
    byte[] expected =
        hex(
            // 1 compare, 13 bytes: result GREATER=1, target MOD=2, key "k", mod_revision (6) 5,
            // range_end at field 64: tag 64<<3|2 = 514 = varint 82 04
            "0a 0d  08 01  10 02  1a 01 6b  30 05  82 04 01 6c"
                // 2 success: RequestOp{request_put (2) = PutRequest{key "k", value "v"}}
                + " 12 08  12 06  0a 01 6b 12 01 76"
                // 3 failure: RequestOp{request_range (1) = RangeRequest{key "k"}}
                + " 1a 05  0a 03  0a 01 6b");
    assertThat(txn.toByteArray()).isEqualTo(expected);
    assertThat(TxnRequest.parseFrom(expected)).isEqualTo(txn);
  }

  @Test
  void keyValueAndWatchEventsMatchMvccpb() throws InvalidProtocolBufferException {
    KeyValue kv =
        KeyValue.newBuilder()
            .setKey(utf8("k"))
            .setCreateRevision(2)
            .setModRevision(3)
            .setVersion(1)
            .setValue(utf8("v"))
            .setLease(9)
            .build();
    assertThat(kv.toByteArray()).isEqualTo(hex("0a 01 6b 10 02 18 03 20 01 2a 01 76 30 09"));

    WatchResponse response =
        WatchResponse.newBuilder()
            .setWatchId(1)
            .addEvents(
                Event.newBuilder()
                    .setType(Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(utf8("k"))))
            .build();
    // events is field 11: tag 11<<3|2 = 0x5a; Event{type DELETE=1, kv{key "k"}}
    byte[] expected = hex("10 01  5a 07  08 01 12 03 0a 01 6b");
    assertThat(response.toByteArray()).isEqualTo(expected);
    assertThat(WatchResponse.parseFrom(expected)).isEqualTo(response);
  }

  /** "name:number:TYPE" for every field of a message, in declaration order. */
  private static List<String> fields(Descriptor descriptor) {
    return descriptor.getFields().stream()
        .map(f -> f.getName() + ":" + f.getNumber() + ":" + f.getType())
        .collect(Collectors.toList());
  }

  @Test
  void descriptorsDeclareEtcdNamesNumbersAndTypes() {
    assertThat(fields(ResponseHeader.getDescriptor()))
        .containsExactly(
            "cluster_id:1:UINT64", "member_id:2:UINT64", "revision:3:INT64", "raft_term:4:UINT64");
    assertThat(fields(RangeRequest.getDescriptor()))
        .containsExactly(
            "key:1:BYTES",
            "range_end:2:BYTES",
            "limit:3:INT64",
            "revision:4:INT64",
            "sort_order:5:ENUM",
            "sort_target:6:ENUM",
            "serializable:7:BOOL",
            "keys_only:8:BOOL",
            "count_only:9:BOOL",
            "min_mod_revision:10:INT64",
            "max_mod_revision:11:INT64",
            "min_create_revision:12:INT64",
            "max_create_revision:13:INT64");
    assertThat(fields(KeyValue.getDescriptor()))
        .containsExactly(
            "key:1:BYTES",
            "create_revision:2:INT64",
            "mod_revision:3:INT64",
            "version:4:INT64",
            "value:5:BYTES",
            "lease:6:INT64");
    FieldDescriptor filters = WatchCreateRequest.getDescriptor().findFieldByNumber(5);
    assertThat(filters.getName()).isEqualTo("filters");
    assertThat(filters.isRepeated()).isTrue();
    // proto3 packs repeated enums, as etcd's Go code expects (and accepts unpacked, too).
    assertThat(filters.isPacked()).isTrue();
  }
}
