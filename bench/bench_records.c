/*
 * bench_records.c: one-core micro-benchmark of the RecordBatch v2 codec: building batches
 * (kfk_record_batch_builder_*) and reading them back (kfk_record_batch_next, which verifies
 * the CRC-32C, plus kfk_record_iter_next over every record), for 100-byte and 1 KiB values;
 * and CRC-32C throughput with the SSE4.2 instruction and with the tables.
 *
 * Usage: bench_records [seconds per case, default 1]. MB/s counts batch bytes (1 MB = 10^6).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kfk/protocol.h"
#include "protocol/crc32c.h"

#define BATCH_BYTES (1 << 20)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

/* Builds one ~1 MiB batch of records with value_size-byte values into w (reset first). */
static int32_t build_batch(kfk_wbuf_t *w, const uint8_t *value, size_t value_size) {
    kfk_record_batch_builder_t b;
    w->len = 0;
    if (kfk_record_batch_builder_begin(&b, w))
        exit(1);
    static const uint8_t key[16] = "key-0123456789ab";
    int64_t ts = 1700000000000;
    while (kfk_record_batch_builder_size(&b) + value_size + 32 <= BATCH_BYTES) {
        if (kfk_record_batch_builder_append(&b, (kfk_bytes_t){key, 16},
                                            (kfk_bytes_t){value, (int32_t)value_size}, NULL, 0,
                                            ts++))
            exit(1);
    }
    if (kfk_record_batch_builder_finish(&b, NULL))
        exit(1);
    return kfk_record_batch_builder_count(&b);
}

static void bench_build(size_t value_size, double secs, double *rps, double *mbps) {
    uint8_t *value = malloc(value_size);
    for (size_t i = 0; i < value_size; i++)
        value[i] = (uint8_t)(i * 31);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    build_batch(&w, value, value_size); /* warm up, size the buffer */
    uint64_t records = 0, bytes = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 16; i++) {
            records += (uint64_t)build_batch(&w, value, value_size);
            bytes += w.len;
        }
        t = now() - t0;
    } while (t < secs);
    *rps = (double)records / t;
    *mbps = (double)bytes / t / 1e6;
    kfk_wbuf_free(&w);
    free(value);
}

static void bench_read(size_t value_size, double secs, double *rps, double *mbps) {
    uint8_t *value = malloc(value_size);
    for (size_t i = 0; i < value_size; i++)
        value[i] = (uint8_t)(i * 31);
    /* A 16 MiB blob of 16 batches, as a large fetch response would carry. */
    kfk_wbuf_t blob, one;
    kfk_wbuf_init(&blob);
    kfk_wbuf_init(&one);
    for (int i = 0; i < 16; i++) {
        build_batch(&one, value, value_size);
        kfk_wbuf_put_raw(&blob, one.data, one.len);
    }
    uint64_t records = 0, bytes = 0, sum = 0;
    double t0 = now(), t;
    do {
        kfk_record_batch_reader_t r;
        kfk_record_batch_reader_init(&r, blob.data, blob.len);
        kfk_record_batch_t b;
        while (kfk_record_batch_next(&r, &b)) {
            kfk_record_iter_t it;
            kfk_record_view_t rec;
            if (kfk_record_iter_init(&it, &b, NULL, 0))
                exit(1);
            while (kfk_record_iter_next(&it, &rec)) {
                sum += (uint64_t)rec.value.len + (uint64_t)rec.offset + rec.value.ptr[0];
                records++;
            }
            if (it.err)
                exit(1);
        }
        if (r.err)
            exit(1);
        bytes += blob.len;
        t = now() - t0;
    } while (t < secs);
    sink = sum;
    *rps = (double)records / t;
    *mbps = (double)bytes / t / 1e6;
    kfk_wbuf_free(&blob);
    kfk_wbuf_free(&one);
    free(value);
}

static double bench_crc(int hw, size_t n, double secs) {
    uint8_t *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 7);
    uint64_t bytes = 0;
    uint32_t c = 0;
    double t0 = now(), t;
    do {
        for (size_t i = 0; i < ((size_t)64 << 20) / n; i++)
            c ^= hw == 2   ? kfk__crc32c_hw(0, buf, n)
                 : hw == 1 ? kfk__crc32c_chains(0, buf, n)
                           : kfk__crc32c_sw(0, buf, n);
        bytes += (uint64_t)n * (((size_t)64 << 20) / n);
        t = now() - t0;
    } while (t < secs);
    sink = c;
    free(buf);
    return (double)bytes / t / 1e9;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
    if (secs <= 0)
        secs = 1.0;
    printf("%-28s %14s %12s\n", "case (one core)", "records/s", "MB/s");
    static const size_t sizes[] = {100, 1024};
    for (int i = 0; i < 2; i++) {
        double rps, mbps;
        bench_build(sizes[i], secs, &rps, &mbps);
        printf("build, %4zu B values        %14.0f %12.0f\n", sizes[i], rps, mbps);
        bench_read(sizes[i], secs, &rps, &mbps);
        printf("read,  %4zu B values        %14.0f %12.0f\n", sizes[i], rps, mbps);
    }
    static const size_t crc_sizes[] = {16384, (size_t)1 << 20}; /* in the cache; from memory */
    for (int i = 0; i < 2; i++) {
        size_t n = crc_sizes[i];
        if (kfk__crc32c_fold_available())
            printf("crc32c vpclmulqdq, %7zu B %14s %9.2f GB/s\n", n, "", bench_crc(2, n, secs));
        if (kfk__crc32c_hw_available())
            printf("crc32c sse4.2 x3,  %7zu B %14s %9.2f GB/s\n", n, "", bench_crc(1, n, secs));
        printf("crc32c table,      %7zu B %14s %9.2f GB/s\n", n, "", bench_crc(0, n, secs));
    }
    return 0;
}
