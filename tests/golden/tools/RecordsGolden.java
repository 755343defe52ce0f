/*
 * RecordsGolden: writes record batches with Kafka's own Java classes (Kafka 4.3.1 clients,
 * org.apache.kafka.common.record.internal) for kfk's tests/unit/protocol/test_records.c and
 * test_legacy.c. Every input below is fixed, and the C tests spell the same inputs out again.
 *
 *   K=~/.cache/kfk/kafka-4.3.1/libs
 *   javac -d /tmp/rg -cp "$K/*" tests/golden/tools/RecordsGolden.java
 *   java -cp "/tmp/rg:$K/*" RecordsGolden tests/golden/records
 *
 * Outputs (one records blob each):
 *   v2_basic.bin        5 records: null key, empty key, null value, headers (one with a null
 *                       value), a timestamp below the base; CreateTime; base offset 0
 *   v2_idempotent.bin   3 records, producer id 4242, epoch 7, base sequence 100, base offset 500
 *   v2_log_append.bin   2 records, LogAppendTime 1700000009999, base offset 7
 *   v2_<codec>.bin      50 records "key-<i>" / 100-byte values / header idx=<i>, codec gzip,
 *                       snappy, lz4 or zstd, base offset 1000
 *   v2_txn.bin          transactional batches of producers 11 and 22 interleaved with their
 *                       ABORT / COMMIT markers (control batches), offsets 0-9
 *   v<m>_plain.bin      legacy magic m (0, 1): three messages lk0/lv0, null/lv1, lk2/null
 *                       (timestamps T0, T0+1, T0+2 in v1) at offsets 0-2
 *   v<m>_<codec>.bin    the same three messages in one gzip, snappy or lz4 wrapper, offsets
 *                       100-102 (v1: relative inner offsets, wrapper offset 102)
 *   v1_gzip_log_append.bin  the gzip wrapper with LogAppendTime T0+777, offsets 200-202
 */
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

public class RecordsGolden {
    static final long T0 = 1700000000000L;

    static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static void write(String dir, String name, ByteBuffer buf) throws IOException {
        byte[] out = new byte[buf.remaining()];
        buf.duplicate().get(out);
        try (FileOutputStream f = new FileOutputStream(dir + "/" + name)) {
            f.write(out);
        }
        System.out.println(name + ": " + out.length + " bytes");
    }

    static MemoryRecordsBuilder builder(ByteBuffer buf, byte magic, Compression c, TimestampType tt,
                                        long baseOffset, long logAppendTime, long pid, short epoch,
                                        int seq, boolean txn, boolean control) {
        return MemoryRecords.builder(buf, magic, c, tt, baseOffset, logAppendTime, pid, epoch, seq,
                                     txn, control, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    }

    /* The 50-record data set of the compressed batches. */
    static String bigValue(int i) {
        StringBuilder s = new StringBuilder();
        while (s.length() < 100)
            s.append("value-").append(i).append('-');
        return s.substring(0, 100);
    }

    static ByteBuffer codecBatch(Compression c) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        MemoryRecordsBuilder mb = builder(buf, RecordBatch.MAGIC_VALUE_V2, c,
                                          TimestampType.CREATE_TIME, 1000L, -1L, -1L, (short) -1,
                                          -1, false, false);
        for (int i = 0; i < 50; i++)
            mb.append(T0 + i, b("key-" + i), b(bigValue(i)),
                      new Header[] {new RecordHeader("idx", b(Integer.toString(i)))});
        return mb.build().buffer();
    }

    static void basic(String dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        MemoryRecordsBuilder mb = builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                                          TimestampType.CREATE_TIME, 0L, -1L, -1L, (short) -1, -1,
                                          false, false);
        mb.append(T0, b("k0"), b("v0"), new Header[] {new RecordHeader("h1", b("x"))});
        mb.append(T0 + 1, null, b("value-1"), new Header[0]);
        mb.append(T0 + 5, b(""), null,
                  new Header[] {new RecordHeader("a", null), new RecordHeader("b", b(""))});
        char[] big = new char[300];
        for (int i = 0; i < big.length; i++)
            big[i] = (char) ('a' + i % 26);
        mb.append(T0 - 10, b("k3"), b(new String(big)), new Header[0]);
        mb.append(T0 + 100, b("k4"), b("v4"), new Header[0]);
        write(dir, "v2_basic.bin", mb.build().buffer());
    }

    static void idempotent(String dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        MemoryRecordsBuilder mb = builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                                          TimestampType.CREATE_TIME, 500L, -1L, 4242L, (short) 7,
                                          100, false, false);
        for (int i = 0; i < 3; i++)
            mb.append(T0 + i, b("id-" + i), b("payload-" + i), new Header[0]);
        write(dir, "v2_idempotent.bin", mb.build().buffer());
    }

    static void logAppend(String dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        MemoryRecordsBuilder mb = builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                                          TimestampType.LOG_APPEND_TIME, 7L, T0 + 9999, -1L,
                                          (short) -1, -1, false, false);
        mb.append(T0, b("a"), b("1"), new Header[0]);
        mb.append(T0 + 3, b("b"), b("2"), new Header[0]);
        write(dir, "v2_log_append.bin", mb.build().buffer());
    }

    /* Appends one transactional data batch of `n` records at `offset` to out. */
    static void txnData(ByteBuffer out, long offset, long pid, int seq, int n, String tag) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        MemoryRecordsBuilder mb = builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                                          TimestampType.CREATE_TIME, offset, -1L, pid, (short) 1,
                                          seq, true, false);
        for (int i = 0; i < n; i++)
            mb.append(T0 + offset + i, b(tag), b(tag + "-" + i), new Header[0]);
        out.put(mb.build().buffer());
    }

    static void txnMarker(ByteBuffer out, long offset, long pid, ControlRecordType type) {
        MemoryRecords m = MemoryRecords.withEndTransactionMarker(
            offset, T0 + offset, RecordBatch.NO_PARTITION_LEADER_EPOCH, pid, (short) 1,
            new EndTransactionMarker(type, 5));
        out.put(m.buffer());
    }

    /*
     * Offsets: 0-1 p11 (aborted), 2-3 p22 (committed), 4 p11 data (aborted), 5 p11 ABORT,
     * 6 p22 COMMIT, 7-8 p11 (new transaction, committed), 9 p11 COMMIT.
     * The Fetch response would list AbortedTransactions = [(11, 0)].
     */
    static void txn(String dir) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        txnData(out, 0, 11, 0, 2, "p11a");
        txnData(out, 2, 22, 0, 2, "p22a");
        txnData(out, 4, 11, 2, 1, "p11b");
        txnMarker(out, 5, 11, ControlRecordType.ABORT);
        txnMarker(out, 6, 22, ControlRecordType.COMMIT);
        txnData(out, 7, 11, 3, 2, "p11c");
        txnMarker(out, 9, 11, ControlRecordType.COMMIT);
        out.flip();
        write(dir, "v2_txn.bin", out);
    }

    /*
     * Legacy message sets: three messages "lk0"/"lv0" (T0), null key/"lv1" (T0 + 1),
     * "lk2"/null value (T0 + 2), at offsets base..base+2.
     */
    static ByteBuffer legacySet(byte magic, Compression c, TimestampType tt, long base,
                                long logAppendTime) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        MemoryRecordsBuilder mb = MemoryRecords.builder(buf, magic, c, tt, base, logAppendTime);
        mb.append(T0, b("lk0"), b("lv0"));
        mb.append(T0 + 1, null, b("lv1"));
        mb.append(T0 + 2, b("lk2"), null);
        return mb.build().buffer();
    }

    static void legacy(String dir) throws IOException {
        for (byte magic : new byte[] {RecordBatch.MAGIC_VALUE_V0, RecordBatch.MAGIC_VALUE_V1}) {
            try {
                write(dir, "v" + magic + "_plain.bin",
                      legacySet(magic, Compression.NONE, TimestampType.CREATE_TIME, 0L, -1L));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                System.out.println("magic " + magic + " not writable by this Kafka: " + e);
                return;
            }
            write(dir, "v" + magic + "_gzip.bin",
                  legacySet(magic, Compression.gzip().build(), TimestampType.CREATE_TIME, 100L, -1L));
            write(dir, "v" + magic + "_snappy.bin",
                  legacySet(magic, Compression.snappy().build(), TimestampType.CREATE_TIME, 100L,
                            -1L));
            write(dir, "v" + magic + "_lz4.bin",
                  legacySet(magic, Compression.lz4().build(), TimestampType.CREATE_TIME, 100L, -1L));
        }
        write(dir, "v1_gzip_log_append.bin",
              legacySet(RecordBatch.MAGIC_VALUE_V1, Compression.gzip().build(),
                        TimestampType.LOG_APPEND_TIME, 200L, T0 + 777));
    }

    public static void main(String[] args) throws IOException {
        String dir = args.length > 0 ? args[0] : ".";
        basic(dir);
        idempotent(dir);
        logAppend(dir);
        write(dir, "v2_gzip.bin", codecBatch(Compression.gzip().build()));
        write(dir, "v2_snappy.bin", codecBatch(Compression.snappy().build()));
        write(dir, "v2_lz4.bin", codecBatch(Compression.lz4().build()));
        write(dir, "v2_zstd.bin", codecBatch(Compression.zstd().build()));
        txn(dir);
        legacy(dir);
    }
}
