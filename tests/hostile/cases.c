/*
 * cases.c: the hostile suite's case table (docs/HOSTILE.md explains the columns and how to add
 * a case).
 *
 * Byte offsets in `patch=OFFSET:HEX` faults count from the answer frame's first byte (its size
 * field) and come from real answers of the mock (`hostile --dump API [VERSION]`), at the
 * versions kfk asks for: ApiVersions v3, Metadata v12 (flexible; v8 where the ApiVersions answer
 * is capped to Metadata v8 by CAP_MD8), Fetch v12, Produce v11, ListOffsets v7, FindCoordinator
 * v3, JoinGroup v7, SyncGroup v5, OffsetCommit v8, OffsetFetch v7. The frames those offsets
 * point into:
 *
 *   ApiVersions v3  8 error_code, 10 api_keys count (compact), 11 + 7i entry i (key, min, max,
 *                   tags): Metadata is entry 3 at 32 (min at 34, max at 36); the last entry
 *                   (16, SaslAuthenticate) at 123; 130 throttle_time_ms
 *   Metadata v12    8 header tags, 9 throttle, 13 brokers count, 14 node_id, 18 host length,
 *                   28 port, 32 rack, 33 broker tags, 34 cluster_id length, 57 controller,
 *                   61 topics count, 62 topic error, 64 name length, 66 topic_id, 82 internal,
 *                   83 partitions count, 84 error, 86 index, 90 leader, 94 epoch, 98 replicas
 *   Metadata v8     8 throttle, 12 brokers count, 16 node_id, 20 host length, 31 port,
 *                   35 rack length, 37 cluster_id length, 61 controller, 65 topics count,
 *                   69 topic error, 71 name length, 74 internal, 75 partitions count, 85 leader
 *   Fetch v12       8 header tags, 9 throttle, 13 error, 15 session, 19 responses, 20 topic,
 *                   22 partitions, 23 index, 27 error, 29 high watermark, 37 last stable,
 *                   45 log start, 53 aborted transactions (compact, null), 54 preferred
 *                   replica, 58 records length (compact: 0x59 = 88 bytes), 59 the batch
 *   Produce v11     8 header tags, 9 responses count, 12 partitions count, 17 error, 19 base
 *                   offset, 43 record_errors, 47 throttle (after the responses)
 *   others          8 header tags, 9 throttle; ListOffsets/OffsetCommit/OffsetFetch 13 topics
 *                   count; JoinGroup 13 error, 19 protocol_type;
 *                   SyncGroup 13 error, 15 protocol_type
 *
 * Every record a case starts with is r1 r2 r3 at offsets 0..2 of t/0 (unless H_NO_DATA).
 */
#include "hostile.h"

/* Metadata v8 (classic): every ApiVersions answer says Metadata 1..8. */
#define CAP_MD8 "api=ApiVersions,count=all,patch=36:0008;"

/* What a cause must name. P_BAD(X): a malformed X answer, in either order ("malformed Metadata
 * v12 response", "Metadata ...: past the end"). */
#define P_BAD_WORDS "(malformed|past the end|not decode|invalid|corrupt)"
#define P_BAD(api) "(" api ".*" P_BAD_WORDS "|" P_BAD_WORDS ".*" api ")"
#define P_MD P_BAD("Metadata")
#define P_AV P_BAD("ApiVersions")
#define P_FETCH P_BAD("Fetch")
#define P_REC "(record|batch|message set|CRC|corrupt|malformed|invalid)"
#define P_CODEC "(decompress|inflat|gzip|snappy|lz4|zstd|compress|corrupt)"
#define P_BOMB "(decompress|inflat|bomb|too large|limit|exceed|max)"
#define P_CLOSED "(clos|reset|disconnect|broken|connection)"
#define P_TIMEOUT "(timed out|timeout|TIMED_OUT|no answer|did not answer|no broker answered)"
#define P_FRAME "(frame|size|receive.message.max.bytes|bytes)"
#define P_CORR "correlation"
#define P_REFUSED "refused"
#define P_UNKNOWN_TOPIC "(unknown topic|UNKNOWN_TOPIC)"
#define P_LEADER "(leader|LEADER_NOT_AVAILABLE|NOT_LEADER)"
#define P_COORD "(coordinator|COORDINATOR)"

/* The commands. */
#define MD "metadata -t t"
#define CONSUME "consume -t t -o beginning -e"
#define PRODUCE "produce -t t"
#define GROUP "consume -t t -G g -o beginning -e"
#define GROUP_C3 "consume -t t -G g -o beginning -c 3"
#define LINES "a\nb\nc\n"

/* SASL sign-ins (H_SASL cases): -X options after the command. */
#define SASL_X(mech, user, password)                                                               \
    " -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=" mech " -X sasl.username=" user       \
    " -X sasl.password=" password
#define ALICE_PLAIN SASL_X("PLAIN", "alice", "alice-secret")
#define P_AUTH "(authentication|SASL|password|credentials)"

/* VALID outputs. */
#define OUT_MD "topic \"t\" with 1 partitions"
#define OUT_R123 "^r1\nr2\nr3$"
#define OUT_DELIVERED "3 records .*delivered.* 0 failed"

const hcase_t hostile_cases[] = {
    /* ---- connection setup ------------------------------------------------------------ */
    /* Nothing listens: every connection is refused. */
    {"conn-refused-metadata", HOSTILE, NULL, MD, P_REFUSED, NULL, 0, 0, H_DOWN | H_NO_DATA},
    {"conn-refused-consume", HOSTILE, NULL, CONSUME, P_REFUSED, NULL, 0, 0, H_DOWN | H_NO_DATA},
    {"conn-refused-produce", HOSTILE, NULL, PRODUCE, P_REFUSED, LINES, 0, 0, H_DOWN | H_NO_DATA},
    /* Accepts, reads ApiVersions, closes without answering, every time. */
    {"conn-accept-then-close", HOSTILE, "api=ApiVersions,count=all,close=before", MD, P_CLOSED,
     NULL, 0, 0, H_NO_DATA},
    /* Accepts and never answers ApiVersions. */
    {"conn-silence", HOSTILE, "api=ApiVersions,count=all,silence", MD, P_TIMEOUT, NULL, 0, 0,
     H_NO_DATA},
    /* Accepts, answers ApiVersions, closes (a broker that dies after the handshake). */
    {"conn-close-after-apiversions", HOSTILE, "api=ApiVersions,count=all,close=after", MD, P_CLOSED,
     NULL, 0, 0, H_NO_DATA},
    /* ApiVersions answered 1 s late, once: slow, not broken. */
    {"conn-slow-apiversions", VALID, "api=ApiVersions,delay=1000", MD, OUT_MD, NULL, 0, 0,
     H_NO_DATA},
    /* The first two connections close before answering, then all is well. */
    {"conn-close-twice-then-ok", VALID, "api=ApiVersions,count=2,close=before", CONSUME, OUT_R123,
     NULL, 0, 0, 0},

    /* ---- framing ------------------------------------------------------------------------ */
    /* The ApiVersions answer is a frame whose size field is -1, 0, 3 or 2^31-1. */
    {"frame-size-minus-1", HOSTILE, "api=ApiVersions,count=all,replace=FFFFFFFF", MD, P_FRAME, NULL,
     0, 0, H_NO_DATA},
    {"frame-size-0", HOSTILE, "api=ApiVersions,count=all,replace=00000000", MD, P_FRAME, NULL, 0, 0,
     H_NO_DATA},
    {"frame-size-3", HOSTILE, "api=ApiVersions,count=all,replace=00000003000000", MD, P_FRAME, NULL,
     0, 0, H_NO_DATA},
    {"frame-size-2g", HOSTILE, "api=ApiVersions,count=all,replace=7FFFFFFF", MD, P_FRAME, NULL, 0,
     0, H_NO_DATA},
    /* The ApiVersions answer cut after 20 of its 135 bytes, then the close. */
    {"frame-truncated-apiversions", HOSTILE, "api=ApiVersions,count=all,truncate=20", MD, P_CLOSED,
     NULL, 0, 0, H_NO_DATA},
    /* The Metadata answer cut after 40 of its 116 bytes, then the close. */
    {"frame-truncated-metadata", HOSTILE, "api=Metadata,count=all,truncate=40", MD, P_CLOSED, NULL,
     0, 0, H_NO_DATA},
    /* The Metadata answer is a frame of size -1 (after a good handshake). */
    {"frame-metadata-size-minus-1", HOSTILE, "api=Metadata,count=all,replace=FFFFFFFF", MD, P_FRAME,
     NULL, 0, 0, H_NO_DATA},
    /* The Fetch answer's size field says 2^31-1. */
    {"frame-fetch-size-2g", HOSTILE, "api=Fetch,count=all,patch=0:7FFFFFFF", CONSUME, P_FRAME, NULL,
     0, 0, 0},
    /* The Produce answer cut after 12 bytes. */
    {"frame-truncated-produce", HOSTILE, "api=Produce,count=all,truncate=12", PRODUCE, P_CLOSED,
     LINES, 0, 0, H_NO_DATA},

    /* ---- correlation ids -------------------------------------------------------------- */
    /* Answers carry a correlation id no request had (bytes 4..7). */
    {"corr-wrong-apiversions", HOSTILE, "api=ApiVersions,count=all,patch=4:0000BEEF", MD, P_CORR,
     NULL, 0, 0, H_NO_DATA},
    {"corr-wrong-metadata", HOSTILE, "api=Metadata,count=all,patch=4:0000BEEF", MD, P_CORR, NULL, 0,
     0, H_NO_DATA},
    {"corr-wrong-fetch", HOSTILE, "api=Fetch,count=all,patch=4:0000BEEF", CONSUME, P_CORR, NULL, 0,
     0, 0},
    {"corr-wrong-produce", HOSTILE, "api=Produce,count=all,patch=4:0000BEEF", PRODUCE, P_CORR,
     LINES, 0, 0, H_NO_DATA},

    /* ---- response headers -------------------------------------------------------------- */
    /* Metadata v12 with no header tag buffer (header v0 where v1 is due), every time. */
    {"header-flexible-missing", HOSTILE,
     "api=Metadata,count=all,replace=@frame-md12-no-header-tags", MD, P_MD, NULL, 0, 0, H_NO_DATA},
    /* The header tag buffer says 5 fields, the bytes do not hold them. */
    {"header-tag-count-5", HOSTILE, "api=Metadata,count=all,patch=8:05", MD, P_MD, NULL, 0, 0,
     H_NO_DATA},
    /* Unknown tagged fields in the header, a broker and the top level: valid, ignored. */
    {"header-unknown-tags", VALID, "api=Metadata,replace=@frame-md12-tagged", MD, OUT_MD, NULL, 0,
     0, H_NO_DATA},

    /* ---- ApiVersions ------------------------------------------------------------------ */
    /* The Metadata entry's key becomes 99: the broker offers no Metadata at all. */
    {"av-no-metadata-key", HOSTILE, "api=ApiVersions,count=all,patch=32:0063", MD, "Metadata", NULL,
     0, 0, H_NO_DATA},
    /* Metadata offered as 100..100 only: no version in common. */
    {"av-no-common-version", HOSTILE, "api=ApiVersions,count=all,patch=34:00640064", MD,
     "Metadata.*version|version.*Metadata", NULL, 0, 0, H_NO_DATA},
    /* The api_keys count says 2^28: past the end. */
    {"av-huge-array-count", HOSTILE, "api=ApiVersions,count=all,patch=10:FFFFFF7F", MD, P_AV, NULL,
     0, 0, H_NO_DATA},
    /* Every ApiVersions answer is UNSUPPORTED_VERSION (whatever the version asked). */
    {"av-error-forever", HOSTILE, "api=ApiVersions,count=all,error=UNSUPPORTED_VERSION", MD,
     "(ApiVersions|UNSUPPORTED_VERSION|version)", NULL, 0, 0, H_NO_DATA},
    /* A non-version error code in every ApiVersions answer. */
    {"av-error-code-forever", HOSTILE, "api=ApiVersions,count=all,patch=8:0025", MD,
     "(ApiVersions|CLUSTER_AUTHORIZATION|authoriz)", NULL, 0, 0, H_NO_DATA},
    /* KIP-511: UNSUPPORTED_VERSION with a v0 body once; the client retries at v2. */
    {"av-error-35-then-v0", VALID, "api=ApiVersions,replace=@frame-av-v0-35", MD, OUT_MD, NULL, 0,
     0, H_NO_DATA},
    /* An API key kfk does not know (32766) in the list: ignored. */
    {"av-unknown-api-key", VALID, "api=ApiVersions,count=all,patch=123:7FFE", MD, OUT_MD, NULL, 0,
     0, H_NO_DATA},
    /* throttle_time_ms 2^31-1 in ApiVersions: nothing to wait for before metadata. */
    {"av-huge-throttle", VALID, "api=ApiVersions,patch=130:7FFFFFFF", MD, OUT_MD, NULL, 0, 0,
     H_NO_DATA},

    /* ---- Metadata v12 (flexible) ------------------------------------------------------ */
    /* brokers count 4 for 1 broker: past the end. */
    {"md12-broker-count-past-end", HOSTILE, "api=Metadata,count=all,patch=13:05", MD, P_MD, NULL, 0,
     0, H_NO_DATA},
    /* brokers array null (compact 0): not nullable. */
    {"md12-brokers-null", HOSTILE, "api=Metadata,count=all,patch=13:00", MD, P_MD, NULL, 0, 0,
     H_NO_DATA},
    /* topics count 2^31-2. */
    {"md12-topic-count-huge", HOSTILE, "api=Metadata,count=all,patch=61:FFFFFFFF07", MD, P_MD, NULL,
     0, 0, H_NO_DATA},
    /* host length 126 bytes: past the end of the frame's 116. */
    {"md12-host-len-past-end", HOSTILE, "api=Metadata,count=all,patch=18:7F", MD, P_MD, NULL, 0, 0,
     H_NO_DATA},
    /* host null (compact 0): not nullable. */
    {"md12-host-null", HOSTILE, "api=Metadata,count=all,patch=18:00", MD, P_MD, NULL, 0, 0,
     H_NO_DATA},
    /* brokers count as a 6-byte varint. */
    {"md12-varint-6-bytes", HOSTILE, "api=Metadata,count=all,patch=13:808080808001", MD, P_MD, NULL,
     0, 0, H_NO_DATA},
    /* cluster_id length 2^31-2. */
    {"md12-huge-compact-string", HOSTILE, "api=Metadata,count=all,patch=34:FFFFFFFF07", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* The broker's tag buffer: one field (tag 0) of 2^31-1 bytes. */
    {"md12-huge-tagged-field", HOSTILE, "api=Metadata,count=all,patch=33:0100FFFFFFFF07", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* The topic's name null (v12 allows it on the wire): an answer about no topic asked. */
    {"md12-null-topic-name", HOSTILE, "api=Metadata,count=all,patch=64:00", MD,
     "(Metadata|topic).*(malformed|null|name|missing|not in)|unknown topic", NULL, 0, 0, H_NO_DATA},
    /* partitions array null: not nullable. */
    {"md12-null-partitions", HOSTILE, "api=Metadata,count=all,patch=83:00", MD, P_MD, NULL, 0, 0,
     H_NO_DATA},
    /* partitions count 2^31-2. */
    {"md12-partition-count-huge", HOSTILE, "api=Metadata,count=all,patch=83:FFFFFFFF07", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* replicas count 2^28. */
    {"md12-replica-count-huge", HOSTILE, "api=Metadata,count=all,patch=98:FFFFFF7F", MD, P_MD, NULL,
     0, 0, H_NO_DATA},
    /* throttle_time_ms 2^31-1 on the first Metadata answer: nothing to wait for. */
    {"md12-huge-throttle", VALID, "api=Metadata,patch=9:7FFFFFFF", CONSUME, OUT_R123, NULL, 0, 0,
     0},

    /* ---- Metadata v8 (classic) -------------------------------------------------------- */
    {"md8-valid", VALID, "api=ApiVersions,count=all,patch=36:0008", MD, OUT_MD, NULL, 0, 0,
     H_NO_DATA},
    /* brokers count 5 for 1, and -2. */
    {"md8-broker-count-past-end", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=12:00000005", MD,
     P_MD, NULL, 0, 0, H_NO_DATA},
    {"md8-broker-count-minus-2", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=12:FFFFFFFE", MD,
     P_MD, NULL, 0, 0, H_NO_DATA},
    /* topics count 2^31-1. */
    {"md8-topic-count-huge", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=65:7FFFFFFF", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* host length -2 and 32767. */
    {"md8-host-len-negative", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=20:FFFE", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    {"md8-host-len-past-end", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=20:7FFF", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* The topic's name null (-1): not nullable before v12. */
    {"md8-null-topic-name", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=71:FFFF", MD, P_MD, NULL,
     0, 0, H_NO_DATA},
    /* partitions array null (-1). */
    {"md8-null-partitions", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=75:FFFFFFFF", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},
    /* cluster_id length 32767. */
    {"md8-cluster-id-past-end", HOSTILE, CAP_MD8 "api=Metadata,count=all,patch=37:7FFF", MD, P_MD,
     NULL, 0, 0, H_NO_DATA},

    /* ---- Metadata content: leaders and topics ----------------------------------------- */
    /* The partition's leader is -1 in every answer. */
    {"md-leader-minus-1-consume", HOSTILE, "api=Metadata,count=all,patch=90:FFFFFFFF", CONSUME,
     P_LEADER, NULL, 0, 0, 0},
    {"md-leader-minus-1-produce", HOSTILE, "api=Metadata,count=all,patch=90:FFFFFFFF", PRODUCE,
     P_LEADER, LINES, 0, 0, H_NO_DATA},
    /* LEADER_NOT_AVAILABLE on the partition forever. */
    {"md-leader-not-available-forever", HOSTILE,
     "api=Metadata,topic=t,partition=0,count=all,error=LEADER_NOT_AVAILABLE", CONSUME, P_LEADER,
     NULL, 0, 0, 0},
    /* UNKNOWN_TOPIC_OR_PARTITION on the topic forever. */
    {"md-unknown-topic-metadata", HOSTILE,
     "api=Metadata,topic=t,count=all,error=UNKNOWN_TOPIC_OR_PARTITION", MD, P_UNKNOWN_TOPIC, NULL,
     0, 0, H_NO_DATA},
    {"md-unknown-topic-consume", HOSTILE,
     "api=Metadata,topic=t,count=all,error=UNKNOWN_TOPIC_OR_PARTITION", CONSUME, P_UNKNOWN_TOPIC,
     NULL, 0, 0, 0},
    {"md-unknown-topic-produce", HOSTILE,
     "api=Metadata,topic=t,count=all,error=UNKNOWN_TOPIC_OR_PARTITION", PRODUCE, P_UNKNOWN_TOPIC,
     LINES, 0, 0, H_NO_DATA},
    /* The leader is broker 99 (not in the broker list) in the first two answers, then fixed. */
    {"md-leader-not-in-brokers-then-fixed", VALID, "api=Metadata,count=2,patch=90:00000063",
     CONSUME, OUT_R123, NULL, 0, 0, 0},
    {"md-leader-not-in-brokers-forever", HOSTILE, "api=Metadata,count=all,patch=90:00000063",
     CONSUME, "(leader|broker 99|unknown broker)", NULL, 0, 0, 0},
    /* The topic's error is LEADER_NOT_AVAILABLE twice (a topic being created), then fine. */
    {"md-topic-error-twice-then-ok", VALID,
     "api=Metadata,topic=t,count=2,error=LEADER_NOT_AVAILABLE", PRODUCE, OUT_DELIVERED, LINES, 0, 0,
     H_NO_DATA | H_STDERR},
    /* Three brokers (each 20 more bytes before the topics: the leader at 130); the first
     * three Metadata answers say partition 0's leader is broker 99. */
    {"md-3-brokers-leader-moves", VALID, "api=Metadata,count=3,patch=130:00000063", CONSUME,
     OUT_R123, NULL, 3, 0, 0},

    /* ---- Produce -------------------------------------------------------------------- */
    /* NOT_LEADER_OR_FOLLOWER forever (retriable): must end at the deadline with the cause. */
    {"produce-error-forever", HOSTILE, "api=Produce,count=all,error=NOT_LEADER_OR_FOLLOWER",
     PRODUCE, P_LEADER, LINES, 0, 0, H_NO_DATA},
    /* TOPIC_AUTHORIZATION_FAILED (not retriable). */
    {"produce-error-fatal", HOSTILE, "api=Produce,count=all,error=TOPIC_AUTHORIZATION_FAILED",
     PRODUCE, "(authoriz|TOPIC_AUTHORIZATION)", LINES, 0, 0, H_NO_DATA},
    /* The Produce answer's responses count says 2^31-2. */
    {"produce-malformed-answer", HOSTILE, "api=Produce,count=all,patch=9:FFFFFFFF07", PRODUCE,
     P_BAD("Produce"), LINES, 0, 0, H_NO_DATA},
    /* The connection closes instead of every Produce answer (the batch was written). */
    {"produce-close-before-answer", HOSTILE, "api=Produce,count=all,close=before", PRODUCE,
     P_CLOSED, LINES, 0, 0, H_NO_DATA},
    /* Produce is never answered. */
    {"produce-silence", HOSTILE, "api=Produce,count=all,silence", PRODUCE, P_TIMEOUT, LINES, 0, 0,
     H_NO_DATA},
    /* InitProducerId (idempotence is on by default) fails forever. */
    {"produce-init-pid-error-forever", HOSTILE,
     "api=InitProducerId,count=all,error=COORDINATOR_NOT_AVAILABLE", PRODUCE,
     "(producer id|InitProducerId|COORDINATOR)", LINES, 0, 0, H_NO_DATA},
    /* Two retriable errors, then success: delivered once each. */
    {"produce-error-twice-then-ok", VALID, "api=Produce,count=2,error=NOT_LEADER_OR_FOLLOWER",
     PRODUCE, OUT_DELIVERED, LINES, 0, 0, H_NO_DATA | H_STDERR},
    /* A huge throttle_time_ms on the first Produce answer. */
    {"produce-huge-throttle", VALID, "api=Produce,patch=47:7FFFFFFF", PRODUCE, OUT_DELIVERED, LINES,
     0, 0, H_NO_DATA | H_STDERR},

    /* ---- Fetch answers --------------------------------------------------------------- */
    /* aborted_transactions count 2^31-1 (compact varint at 53). */
    {"fetch-aborted-txns-huge", HOSTILE, "api=Fetch,count=all,patch=53:8080808008", CONSUME,
     P_FETCH, NULL, 0, 0, 0},
    /* The records length says 125 bytes; 88 are there (past the frame's end). */
    {"fetch-records-len-past-end", HOSTILE, "api=Fetch,count=all,patch=58:7E", CONSUME, P_FETCH,
     NULL, 0, 0, 0},
    /* The records length says 47 of 88: the rest misparses as tags and trailing bytes. */
    {"fetch-records-len-short", HOSTILE, "api=Fetch,count=all,patch=58:30", CONSUME,
     "(Fetch|record|batch).*(malformed|past the end|not decode|invalid|partial|trailing)", NULL, 0,
     0, 0},
    /* A partition error forever. */
    {"fetch-not-leader-forever", HOSTILE,
     "api=Fetch,topic=t,partition=0,count=all,error=NOT_LEADER_OR_FOLLOWER", CONSUME, P_LEADER,
     NULL, 0, 0, 0},
    {"fetch-corrupt-message-forever", HOSTILE,
     "api=Fetch,topic=t,partition=0,count=all,error=CORRUPT_MESSAGE", CONSUME,
     "(corrupt|CORRUPT_MESSAGE)", NULL, 0, 0, 0},
    /* Every Fetch closes the connection / is never answered. */
    {"fetch-close-before-forever", HOSTILE, "api=Fetch,count=all,close=before", CONSUME, P_CLOSED,
     NULL, 0, 0, 0},
    {"fetch-silence-forever", HOSTILE, "api=Fetch,count=all,silence", CONSUME, P_TIMEOUT, NULL, 0,
     0, 0},
    /* The first Fetch answer carries throttle_time_ms 2^31-1. */
    {"fetch-huge-throttle", VALID, "api=Fetch,patch=9:7FFFFFFF", CONSUME, OUT_R123, NULL, 0, 0, 0},
    /* The first Fetch answered 1 s late. */
    {"fetch-slow-once", VALID, "api=Fetch,delay=1000", CONSUME, OUT_R123, NULL, 0, 0, 0},
    /* One NOT_LEADER_OR_FOLLOWER, then data. */
    {"fetch-error-once", VALID, "api=Fetch,topic=t,partition=0,error=NOT_LEADER_OR_FOLLOWER",
     CONSUME, OUT_R123, NULL, 0, 0, 0},

    /* ---- record batches (v2), served as the partition's records -------------------- */
    {"batch-plain", VALID, "records=@plain", CONSUME, OUT_R123, NULL, 0, 0, 0},
    /* The first record's length says 63 bytes; 8 follow. */
    {"batch-rec-len-past-end", HOSTILE, "count=all,records=@rec-len-past-end", CONSUME, P_REC, NULL,
     0, 0, 0},
    /* The first record's timestampDelta is an 11-byte varint. */
    {"batch-varint-11", HOSTILE, "count=all,records=@varint-11", CONSUME, P_REC, NULL, 0, 0, 0},
    /* The first record's key length is -2. */
    {"batch-key-len-minus-2", HOSTILE, "count=all,records=@key-len-minus-2", CONSUME, P_REC, NULL,
     0, 0, 0},
    /* RecordsCount 2^31-1 for three records (CRC right). */
    {"batch-count-huge", HOSTILE, "count=all,records=@count-huge", CONSUME, P_REC, NULL, 0, 0, 0},
    /* One bit of the CRC flipped. */
    {"batch-crc-bad", HOSTILE, "count=all,records=@crc-bad", CONSUME, "(CRC|checksum|corrupt)",
     NULL, 0, 0, 0},
    /* Only the first 50 bytes of the batch, in every answer: no progress is possible. */
    {"batch-partial-only", HOSTILE, "count=all,records=@partial", CONSUME,
     "(partial|truncated|incomplete|too large|" P_REC ")", NULL, 0, 0, 0},
    /* BatchLength -1. */
    {"batch-len-negative", HOSTILE, "count=all,records=@neg-batch-len", CONSUME, P_REC, NULL, 0, 0,
     0},
    /* A transactional commit marker at offset 0, then r2 r3: the marker is not a record. */
    {"batch-control-then-data", VALID, "records=@control-then-data", CONSUME, "^r2\nr3$", NULL, 0,
     0, 0},

    /* ---- legacy message sets (magic 0 and 1) -------------------------------------------- */
    {"legacy-v1-valid", VALID, "records=@legacy-v1", CONSUME, OUT_R123, NULL, 0, 0, 0},
    {"legacy-v0-valid", VALID, "records=@legacy-v0", CONSUME, OUT_R123, NULL, 0, 0, 0},
    /* The first message's CRC is off. */
    {"legacy-v1-crc-bad", HOSTILE, "count=all,records=@legacy-v1-crc-bad", CONSUME,
     "(CRC|checksum|corrupt)", NULL, 0, 0, 0},
    /* The first message's size says 1 MiB. */
    {"legacy-v0-size-lie", HOSTILE, "count=all,records=@legacy-v0-size-lie", CONSUME,
     "(partial|truncated|incomplete|too large|" P_REC ")", NULL, 0, 0, 0},
    /* A gzip wrapper whose inner message set is 64 MiB of zeros. */
    {"legacy-v1-gzip-bomb", HOSTILE, "count=all,records=@legacy-v1-gzip-bomb", CONSUME, P_BOMB,
     NULL, 0, 0, 0},

    /* ---- compression: valid batches, truncations, length lies, bombs -------------------- */
    {"codec-gzip-valid", VALID, "records=@gzip", CONSUME, OUT_R123, NULL, 0, 0, 0},
    {"codec-snappy-valid", VALID, "records=@snappy", CONSUME, OUT_R123, NULL, 0, 0, 0},
    {"codec-lz4-valid", VALID, "records=@lz4", CONSUME, OUT_R123, NULL, 0, 0, 0},
    {"codec-zstd-valid", VALID, "records=@zstd", CONSUME, OUT_R123, NULL, 0, 0, 0},
    /* The compressed records cut in half (BatchLength and CRC made right). */
    {"codec-gzip-truncated", HOSTILE, "count=all,records=@gzip-trunc", CONSUME, P_CODEC, NULL, 0, 0,
     0},
    {"codec-snappy-truncated", HOSTILE, "count=all,records=@snappy-trunc", CONSUME, P_CODEC, NULL,
     0, 0, 0},
    {"codec-lz4-truncated", HOSTILE, "count=all,records=@lz4-trunc", CONSUME, P_CODEC, NULL, 0, 0,
     0},
    {"codec-zstd-truncated", HOSTILE, "count=all,records=@zstd-trunc", CONSUME, P_CODEC, NULL, 0, 0,
     0},
    /* The xerial block length says 1 MiB. */
    {"codec-snappy-length-lie", HOSTILE, "count=all,records=@snappy-len-lie", CONSUME, P_CODEC,
     NULL, 0, 0, 0},
    /* The LZ4 frame's first block size says 4 MiB (past the frame's 64 KiB maximum). */
    {"codec-lz4-length-lie", HOSTILE, "count=all,records=@lz4-len-lie", CONSUME, P_CODEC, NULL, 0,
     0, 0},
    /* The zstd frame declares 1 GiB of content for a few bytes. */
    {"codec-zstd-size-lie", HOSTILE, "count=all,records=@zstd-size-lie", CONSUME, P_CODEC, NULL, 0,
     0, 0},
    /* A gzip header, then garbage. */
    {"codec-gzip-garbage", HOSTILE, "count=all,records=@gzip-garbage", CONSUME, P_CODEC, NULL, 0, 0,
     0},
    /* One batch whose one record's value inflates to 1 GiB (256 MiB for snappy: ~21:1 at most). */
    {"bomb-gzip-1g", HOSTILE, "count=all,bomb=gzip:1073741824", CONSUME, P_BOMB, NULL, 0, 0, 0},
    {"bomb-snappy-256m", HOSTILE, "count=all,bomb=snappy:268435456", CONSUME, P_BOMB, NULL, 0, 0,
     0},
    {"bomb-lz4-1g", HOSTILE, "count=all,bomb=lz4:1073741824", CONSUME, P_BOMB, NULL, 0, 0, 0},
    {"bomb-zstd-1g", HOSTILE, "count=all,bomb=zstd:1073741824", CONSUME, P_BOMB, NULL, 0, 0, 0},
    {"bomb-zstd-nosize-1g", HOSTILE, "count=all,bomb=zstd-nosize:1073741824", CONSUME, P_BOMB, NULL,
     0, 0, 0},
    /* Not a bomb: one record whose value is 2 MiB of zeros, gzipped to ~2 KiB, once. A large
     * record is data (Kafka's message.max.bytes may allow it): it must be delivered, then r2 r3
     * (value lengths printed: the value is NUL bytes). */
    {"codec-gzip-2m-record-is-data", VALID, "bomb=gzip:2097152",
     "consume -t t -o beginning -e -f %S\\n", "^2097152\n2\n2$", NULL, 0, 0, 0},

    /* ---- ListOffsets ----------------------------------------------------------------- */
    {"listoffsets-malformed", HOSTILE, "api=ListOffsets,count=all,patch=13:FFFFFFFF07", CONSUME,
     P_BAD("ListOffsets"), NULL, 0, 0, 0},
    {"listoffsets-error-forever", HOSTILE, "api=ListOffsets,count=all,error=NOT_LEADER_OR_FOLLOWER",
     CONSUME, P_LEADER, NULL, 0, 0, 0},

    /* ---- SASL (the mock's users: alice, all mechanisms; bob, PLAIN only) -------------- */
    {"sasl-plain-valid", VALID, NULL, MD ALICE_PLAIN, OUT_MD, NULL, 0, 0, H_SASL | H_NO_DATA},
    {"sasl-scram-256-valid", VALID, NULL, MD SASL_X("SCRAM-SHA-256", "alice", "alice-secret"),
     OUT_MD, NULL, 0, 0, H_SASL | H_NO_DATA},
    {"sasl-scram-512-consume-valid", VALID, NULL,
     CONSUME SASL_X("SCRAM-SHA-512", "alice", "alice-secret"), OUT_R123, NULL, 0, 0, H_SASL},
    /* A wrong password, an unknown user: SASL_AUTHENTICATION_FAILED, not retried forever. */
    {"sasl-wrong-password", HOSTILE, NULL, MD SASL_X("PLAIN", "alice", "wrong"), P_AUTH, NULL, 0, 0,
     H_SASL | H_NO_DATA},
    {"sasl-scram-wrong-password", HOSTILE, NULL, MD SASL_X("SCRAM-SHA-256", "alice", "wrong"),
     P_AUTH, NULL, 0, 0, H_SASL | H_NO_DATA},
    {"sasl-unknown-user", HOSTILE, NULL, MD SASL_X("PLAIN", "mallory", "x"), P_AUTH, NULL, 0, 0,
     H_SASL | H_NO_DATA},
    /* bob may use PLAIN only. */
    {"sasl-mechanism-not-allowed", HOSTILE, NULL, MD SASL_X("SCRAM-SHA-512", "bob", "bob-secret"),
     "(" P_AUTH "|mechanism)", NULL, 0, 0, H_SASL | H_NO_DATA},
    /* No SASL on the client: the broker closes the connection at Metadata. */
    {"sasl-client-without-sasl", HOSTILE, NULL, MD, "(" P_CLOSED "|SASL|authentication)", NULL, 0,
     0, H_SASL | H_NO_DATA},
    /* SaslHandshake answers UNSUPPORTED_SASL_MECHANISM forever. */
    {"sasl-handshake-error-forever", HOSTILE,
     "api=SaslHandshake,count=all,error=UNSUPPORTED_SASL_MECHANISM", MD ALICE_PLAIN,
     "(mechanism|SASL|handshake)", NULL, 0, 0, H_SASL | H_NO_DATA},
    /* SaslAuthenticate (v2, flexible: 8 header tags, 9 error, 11 error_message, 12 auth_bytes
     * length) with an auth_bytes length of 2^31-2. */
    {"sasl-authenticate-malformed", HOSTILE, "api=SaslAuthenticate,count=all,patch=12:FFFFFFFF07",
     MD ALICE_PLAIN, P_BAD("SaslAuthenticate"), NULL, 0, 0, H_SASL | H_NO_DATA},
    {"sasl-authenticate-silence", HOSTILE, "api=SaslAuthenticate,count=all,silence", MD ALICE_PLAIN,
     P_TIMEOUT, NULL, 0, 0, H_SASL | H_NO_DATA},
    {"sasl-authenticate-close", HOSTILE, "api=SaslAuthenticate,count=all,close=before",
     MD ALICE_PLAIN, "(" P_CLOSED "|SASL|authentication)", NULL, 0, 0, H_SASL | H_NO_DATA},
    /* One SaslAuthenticate closed, then all is well. */
    {"sasl-authenticate-close-once", VALID, "api=SaslAuthenticate,close=before", MD ALICE_PLAIN,
     OUT_MD, NULL, 0, 0, H_SASL | H_NO_DATA},

    /* ---- groups and offsets ----------------------------------------------------------- */
    {"group-valid", VALID, NULL, GROUP_C3, OUT_R123, NULL, 0, 0, 0},
    /* FindCoordinator answers COORDINATOR_NOT_AVAILABLE forever. */
    {"group-find-coordinator-error-forever", HOSTILE,
     "api=FindCoordinator,count=all,error=COORDINATOR_NOT_AVAILABLE", GROUP, P_COORD, NULL, 0, 0,
     0},
    /* FindCoordinator's host length says 126 bytes (past the end). */
    {"group-find-coordinator-malformed", HOSTILE, "api=FindCoordinator,count=all,patch=20:7F",
     GROUP, P_BAD("FindCoordinator"), NULL, 0, 0, 0},
    /* FindCoordinator names node 99 (not in the broker list) at the broker's own address: the
     * address is what counts, as in Kafka's clients. */
    {"group-coordinator-id-not-in-brokers", VALID,
     "api=FindCoordinator,count=all,patch=16:00000063", GROUP_C3, OUT_R123, NULL, 0, 0, 0},
    /* JoinGroup's protocol_type length says 2^31-2. */
    {"group-join-malformed", HOSTILE, "api=JoinGroup,count=all,patch=19:FFFFFFFF07", GROUP,
     P_BAD("JoinGroup"), NULL, 0, 0, 0},
    /* JoinGroup is answered GROUP_AUTHORIZATION_FAILED. */
    {"group-join-authorization", HOSTILE,
     "api=JoinGroup,count=all,error=GROUP_AUTHORIZATION_FAILED", GROUP,
     "(authoriz|GROUP_AUTHORIZATION)", NULL, 0, 0, 0},
    /* Every JoinGroup closes the connection. */
    {"group-join-close-forever", HOSTILE, "api=JoinGroup,count=all,close=before", GROUP,
     "(" P_CLOSED "|JoinGroup|group)", NULL, 0, 0, 0},
    /* SyncGroup's protocol_type length says 2^31-2. */
    {"group-sync-malformed", HOSTILE, "api=SyncGroup,count=all,patch=15:FFFFFFFF07", GROUP,
     P_BAD("SyncGroup"), NULL, 0, 0, 0},
    /* OffsetFetch's topics count says 2^31-2. */
    {"group-offset-fetch-malformed", HOSTILE, "api=OffsetFetch,count=all,patch=13:FFFFFFFF07",
     GROUP, P_BAD("OffsetFetch"), NULL, 0, 0, 0},
    /* OffsetCommit answered GROUP_AUTHORIZATION_FAILED for every partition: `consume -G`
     * promises to commit what it printed, so an exit 0 would claim commits that never were. */
    {"group-commit-authorization", HOSTILE,
     "api=OffsetCommit,count=all,error=GROUP_AUTHORIZATION_FAILED", GROUP_C3,
     "(authoriz|GROUP_AUTHORIZATION|commit)", NULL, 0, 0, 0},
    /* OffsetCommit's topics count says 2^31-2. */
    {"group-commit-malformed", HOSTILE, "api=OffsetCommit,count=all,patch=13:FFFFFFFF07", GROUP_C3,
     P_BAD("(OffsetCommit|commit)"), NULL, 0, 0, 0},
    /* One COORDINATOR_LOAD_IN_PROGRESS on FindCoordinator, then all is well. */
    {"group-coordinator-loading-once", VALID,
     "api=FindCoordinator,error=COORDINATOR_LOAD_IN_PROGRESS", GROUP_C3, OUT_R123, NULL, 0, 0, 0},
    /* One REBALANCE_IN_PROGRESS on JoinGroup, then all is well. */
    {"group-join-rebalance-once", VALID, "api=JoinGroup,error=REBALANCE_IN_PROGRESS", GROUP_C3,
     OUT_R123, NULL, 0, 0, 0},
};

const size_t hostile_ncases = sizeof hostile_cases / sizeof hostile_cases[0];
