/*
 * producer_kit.h: shared pieces of the producer's integration tests (test_producer_*.c):
 * delivery bookkeeping (a tally of reports), producers and loop runners, topics, records read
 * back with kcat and RecordBatch headers read with a raw Fetch. Helpers assert with Criterion,
 * so they run inside a test.
 */
#ifndef KFK_TEST_PRODUCER_KIT_H
#define KFK_TEST_PRODUCER_KIT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "kfk/kfk.h"

/* ---- delivery bookkeeping -------------------------------------------------------------------- */

/* What the delivery, flush and close callbacks of one producer saw. */
typedef struct tally {
    size_t reports; /* delivery callbacks, all records */
    size_t ok, failed, dup;
    kfk_err_t first_err;
    int errs[8]; /* counts of up to 8 distinct errors */
    kfk_err_t err_codes[8];
    int flushed, closed;
    size_t reports_at_flush, reports_at_close;
    uint64_t closed_at; /* loop time of the close callback (with loop set) */
    uv_loop_t *loop;
} tally_t;

/* The report of one record (the opaque of pk_on_delivery). */
typedef struct sent {
    tally_t *t;
    int calls;
    kfk_err_t err;
    int32_t partition;
    int64_t offset;
    uint64_t at_ms; /* loop time of the report */
} sent_t;

/* ---- reading back with kcat ------------------------------------------------------------------ */

/* One record as kcat read it. */
typedef struct row {
    int32_t partition;
    int64_t offset;
    int64_t ts;
    int32_t klen, vlen; /* -1: null */
    char *key, *val;    /* NUL-terminated copies, NULL when null */
    char *hdrs;         /* kcat's %h: name=value,... */
} row_t;

/* Rows read by kcat (pk_rows_free frees them). */
typedef struct rows {
    row_t *v;
    size_t n, cap;
} rows_t;

/* ---- reading batch headers with a raw Fetch ------------------------------------------------- */

/* The header fields of one RecordBatch. */
typedef struct batch_info {
    kfk_codec_t codec;
    int64_t base_offset;
    int32_t records;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
} batch_info_t;

/* Called by pk_fetch_batches_visit for each RecordBatch read. */
typedef void (*batch_visit_fn)(const kfk_record_batch_t *b, void *arg);

/* ---- functions ------------------------------------------------------------------------------- */

/* The delivery callback of every send: @p opaque is a sent_t, whose report it records (a second
 * report counts as a duplicate) and which it adds to its tally_t. */
void pk_on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque);

/* The flush callback: @p opaque is a tally_t; counts the flush and the reports seen by then. */
void pk_on_flushed(kfk_producer_t *p, void *opaque);

/* The close callback: @p opaque is a tally_t; counts the close, the reports seen by then and,
 * when the tally has a loop, the loop time of the close. */
void pk_on_closed(kfk_producer_t *p, void *opaque);

/* The distinct errors of @p t with their counts ("NAME xN, ..."), written to @p buf. */
const char *pk_errs_str(const tally_t *t, char *buf, size_t cap);

/* Sets @p k = @p v on @p c or fails the test. */
void pk_conf_set(kfk_conf_t *c, const char *k, const char *v);

/* A producer on @p loop for @p bootstrap (NULL: the broker under test) with the NULL-terminated
 * name, value, ... pairs of @p kv. */
kfk_producer_t *pk_producer_at(uv_loop_t *loop, const char *bootstrap, const char *const *kv);

/* pk_producer_at for the broker under test. */
kfk_producer_t *pk_producer(uv_loop_t *loop, const char *const *kv);

/* One loop iteration that returns within 10 ms even when no I/O comes: uv_run(UV_RUN_ONCE)
 * runs the due timers first and then blocks for I/O, so an event raised from a timer callback
 * would not end it. Returns uv_run's answer (0: nothing left on the loop). */
int pk_run_once(uv_loop_t *loop);

/* Runs @p loop until *flag is non-zero, for at most @p max_ms. */
void pk_run_until(uv_loop_t *loop, const int *flag, uint64_t max_ms);

/* Sends @p rec, running the loop while the queue is full. */
void pk_send_wait(uv_loop_t *loop, kfk_producer_t *p, const kfk_record_t *rec, sent_t *s);

/* Flushes @p p and runs @p loop until the flush callback came (at most @p max_ms); the callback
 * must not run inside kfk_producer_flush. */
void pk_flush_wait(uv_loop_t *loop, kfk_producer_t *p, tally_t *t, uint64_t max_ms);

/* Closes @p p and the loop: the close callback runs once and nothing is left on the loop. */
void pk_close_all(uv_loop_t *loop, kfk_producer_t *p, int64_t timeout_ms, tally_t *t);

/* A topic named kfk-c-TAG-PID-N with @p parts partitions (replication 1) and the name/value
 * pairs of @p cfg (NULL-terminated); with @p wait, once the metadata shows a leader for every
 * partition (consumer_kit.c). */
void pk_topic_create_ex(char *name, size_t cap, const char *tag, int32_t parts,
                        const char *const *cfg, int wait);

/* pk_topic_create_ex, waiting for the leaders. */
void pk_topic_create(char *name, size_t cap, const char *tag, int32_t parts,
                     const char *const *cfg);

/* Every record of @p topic (on @p bootstrap), read by kcat from the beginning to the end of
 * each partition; binary-safe (lengths first). Rows of a partition come in offset order. */
rows_t pk_kcat_read_at(const char *bootstrap, const char *topic);

/* pk_kcat_read_at on the broker under test. The caller frees the rows with pk_rows_free. */
rows_t pk_kcat_read(const char *topic);

/* Frees the rows of @p r and empties it. */
void pk_rows_free(rows_t *r);

/* The RecordBatch headers of partition @p part of @p topic (consumer_kit's raw Fetch reader);
 * @p visit (may be NULL) sees each batch. Returns the batch count. */
size_t pk_fetch_batches_visit(const char *topic, int32_t part, batch_info_t *out, size_t cap,
                              batch_visit_fn visit, void *arg);

/* pk_fetch_batches_visit without a visitor. */
size_t pk_fetch_batches(const char *topic, int32_t part, batch_info_t *out, size_t cap);

#endif
