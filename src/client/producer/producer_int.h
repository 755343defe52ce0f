/*
 * producer_int.h: the producer's state, shared by producer.c (records, batches, partitioning, the
 * timer, the public API) and producer_send.c (producer ids, Produce requests and their answers).
 * Internal to src/client.
 */
#ifndef KFK_CLIENT_PRODUCER_INT_H
#define KFK_CLIENT_PRODUCER_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "client/core/bufpool.h"
#include "client/core/client.h"
#include "protocol/mem.h"

/* The smallest batch.size kfk_producer_new accepts: a batch that holds one record, the 61-byte
 * RecordBatch v2 header and the smallest record (7 bytes: its length, attributes, timestamp
 * delta 0, offset delta 0, null key, null value and no headers, one byte each). */
#define KFK__PRODUCER_BATCH_SIZE_MIN (KFK_RECORD_BATCH_HEADER_SIZE + 7) /* 68, as errstr says */

/* An explicit batch.size below this gets a warning at kfk_producer_new: a batch of a few small
 * records at most is most likely a records-per-batch count meant for a consumer (kfk's consumer
 * read batch.size that way before max.poll.records) in a configuration shared with it. */
#define KFK__PRODUCER_BATCH_SIZE_SMALL 1024

/* After asking for auto-creation, "unknown" answers for this long are the broker creating the
 * topic (seen: two over 1.65 s, 3.9.2 under ASan): logged at debug, not as warnings. */
enum { KFK__CREATE_QUIET_MS = 5000 };
/* A Produce request carries batches of several partitions up to this many bytes (the first batch
 * goes whatever its size). A broker closes the connection on a request over its
 * socket.request.max.bytes (100 MiB by default), and every batch in it is sent again: with
 * queue.buffering.max.kbytes raised towards librdkafka's 1 GiB and many partitions, one request
 * per broker would pass it. Not message.max.bytes (Java's bound, 1 MiB): 200k x 1 KiB records on
 * 6 partitions in requests of at most 1 MiB took 1.15x the client CPU of requests of ~5 MiB, and
 * the broker 1.0x and 1.3x in two sets of interleaved runs. */
enum { KFK__PRODUCE_REQUEST_MAX = 32 * 1024 * 1024 };
/* How long the producer stays idle (nothing queued) before its spare batch buffers are freed. */
enum { KFK__POOL_IDLE_MS = 1000 };

typedef struct rmeta {
    kfk_delivery_cb cb;
    void *opaque;
    int64_t ts;
    uint32_t bytes;
    uint32_t gen; /* flush generation: the number of kfk_producer_flush calls before it */
} rmeta_t;

struct toppar;

typedef struct pbatch {
    struct pbatch *next;
    struct toppar *tp;
    kfk_wbuf_t buf;
    kfk_record_batch_builder_t b;
    rmeta_t *meta;
    int32_t n, cap;
    uint64_t created_ms, deadline_ms, retry_at_ms;
    int32_t base_seq;
    int finished;  /* closed: no more appends */
    int in_flight; /* a request carrying it is out */
    int expired;   /* reported already (timed out or closing): free when the request returns */
    uint32_t attempts;
    /* A request carrying it got no answer that settles it (the connection broke, the request
     * timed out, the answer did not decode): the broker may have written it, so a failure is
     * reported _POSSIBLY_PERSISTED, never as "not written". */
    int maybe_written;
    int seq_dirty; /* base_seq changed since its header was written (kfk__producer_seq_release) */
} pbatch_t;

typedef struct toppar {
    struct ptopic *t;
    int32_t id;
    pbatch_t *head, *tail; /* closed batches in order; in-flight ones stay until answered */
    pbatch_t *open;
    int in_flight;
    int32_t next_seq;
    int seq_acked;            /* a batch of the current producer id/epoch was acknowledged here */
    uint64_t txmsgs, txbytes; /* records (and their bytes) acknowledged */
    kfk_err_t last_err;       /* the last Produce error here, while retried; 0 after a success */
    int txn_added;            /* transactional: KFK__TXN_TP_* (in the open transaction yet?) */
    /* What the last batch closed here grew to (its buffer and its report slots): the next one
     * starts at that size instead of doubling up to it and copying at each step. */
    size_t buf_hint;
    int32_t meta_hint;
} toppar_t;

/* Where a partition stands in the open transaction (txn.c): not in it, wanted in it (it has
 * records), asked for (AddPartitionsToTxn in flight), in it (its batches may be sent). */
enum { KFK__TXN_TP_NONE, KFK__TXN_TP_WANT, KFK__TXN_TP_SENT, KFK__TXN_TP_ADDED };

typedef struct kfk__txn kfk__txn_t;

typedef struct pending {
    struct pending *next;
    int32_t partition;
    uint8_t *mem; /* key, value and header bytes */
    kfk_bytes_t key, value;
    kfk_record_header_t *headers;
    size_t header_cnt;
    int64_t ts;
    uint64_t deadline_ms;
    rmeta_t meta;
} pending_t;

typedef struct ptopic {
    struct ptopic *next;
    struct kfk_producer *p;
    char *name;
    int32_t nparts;
    toppar_t *parts;
    int32_t sticky;
    pending_t *pending, **pending_tail;
    kfk__md_waiter_t mw;
    int md_waiting;
    int16_t md_err;
    uint64_t md_retry_at;
    uint32_t md_attempts;      /* refreshes in a row that left it unknown (the backoff's step) */
    uint64_t md_unknown_since; /* when the first of them answered (producer clock, ms) */
    int16_t md_logged;         /* the cause last logged as a warning (then debug only); 0: none */
} ptopic_t;

typedef struct pbroker {
    struct pbroker *next;
    int32_t node_id;
    kfk__waiter_t w;
    int waiting;
    struct kfk_producer *p;
} pbroker_t;

enum { PID_NONE, PID_REQUESTING, PID_READY, PID_BUMP };

struct kfk_producer {
    uv_loop_t *loop;
    kfk__client_t *cl;
    kfk_conf_t *c;
    int16_t acks;
    int idempotent;
    kfk_codec_t codec;
    int max_in_flight_tp;
    /* How long an open batch takes records: linger.ms, or while it cannot be sent up to an
     * eighth of delivery.timeout.ms (at most 1 s), so that a record joining it late still has
     * at least 7/8 of its delivery timeout. */
    uint64_t open_age_max;
    ptopic_t *topics;
    pbroker_t *brokers;
    uv_timer_t timer;
    uint64_t timer_due;
    uint64_t pool_idle_at; /* the spare batch buffers go back to the OS then, if still idle */
    int timer_armed;
    size_t queued_msgs, queued_bytes;
    size_t in_flight_batches;
    uint32_t rnd;

    int pid_state;
    int64_t pid;
    int16_t epoch;
    kfk__waiter_t pid_w;
    kfk__broker_t *pid_broker;
    uint64_t pid_retry_at;
    uint32_t pid_attempts;
    int pid_renew;          /* the next bump asks for a new producer id (not epoch + 1) */
    kfk_err_t pid_last_err; /* why the last InitProducerId failed (0: none since it worked) */
    char pid_last_msg[160]; /* ... in words */

    /* The metadata refreshes the producer asks for (leaderless partitions, a leader not in the
     * metadata, errors that call for one): one at a time, paced by retry.backoff.ms doubling to
     * retry.backoff.max.ms with jitter (KIP-580), however often something asks. */
    kfk__md_waiter_t md_w;
    int md_w_waiting;     /* a refresh asked here is in flight */
    int md_wanted;        /* one is wanted at md_next_at */
    uint32_t md_attempts; /* refreshes in a row that did not make everything sendable */
    uint64_t md_next_at;  /* no refresh is asked before this loop time */

    /* Flushes wait in call order, each for the records sent before it (its generation and the
     * older ones), not for what is sent after it. */
    struct flushw {
        struct flushw *next;
        kfk_flush_cb cb;
        void *opaque;
        uint32_t gen;
        size_t left; /* records of generation gen not reported yet */
    } * flushes, **flushes_tail;
    uint32_t gen;    /* generation of the records sent now */
    size_t gen_left; /* ... and how many of them are not reported yet */
    int flushing;

    int closing;
    int64_t close_timeout_ms; /* kfk_producer_set_close_timeout; < 0: delivery.timeout.ms */
    void *data;               /* kfk_producer_set_data */
    uint64_t close_deadline;
    kfk_producer_close_cb close_cb;
    void *close_opaque;
    int client_closing;

    kfk_err_t fatal;
    kfk_wbuf_t mp;       /* msgpack scratch */
    kfk__bufpool_t pool; /* buffers of sent batches, for the next ones (emptied when idle) */
    /* The compressor's state and its output buffer, kept between batches (created on the first
     * compressed batch, trimmed with the pool when idle). */
    kfk_codec_ctx_t *codec_ctx;
    kfk__txn_t *txn; /* transactional.id set: the transaction state machine (txn.c) */

    uint64_t stat_batches, stat_requests, stat_retries;
    uint64_t stat_epochs; /* producer ids and epochs taken (librdkafka's eos.epoch_cnt) */
    uint64_t stat_txmsgs, stat_txbytes, stat_txerrs; /* records acknowledged / failed */
};

static inline uint64_t kfk__producer_now_ms(kfk_producer_t *p) {
    return uv_now(p->loop);
}

/* The wait before retry @p attempts (1, 2, ...): retry.backoff.ms doubling up to
 * retry.backoff.max.ms, minus up to 20 % jitter (KIP-580; never more than the max). */
uint64_t kfk__producer_backoff(kfk_producer_t *p, uint32_t attempts);

/* Asks for a metadata refresh on the producer's behalf: at once if the backoff allows, else at
 * md_next_at (the timer is armed for it). Never more than one in flight. */
void kfk__producer_md_want(kfk_producer_t *p, uint64_t now);

/* Says the last pass needed no metadata: the next refresh wanted starts the schedule again. */
void kfk__producer_md_ok(kfk_producer_t *p);

/* Checks @p c as a producer's configuration (producer_conf.c): KFK_ERR__INVALID_CONF with the
 * reason in @p errstr, or 0 with *idempotent set to whether the producer is idempotent. */
kfk_err_t kfk__producer_check_conf(kfk_conf_t *c, int *idempotent, char *errstr,
                                   size_t errstr_size);

/* Writes the producer's section of the statistics document (producer_stats.c). */
void kfk__producer_render_stats(void *owner, kfk_wbuf_t *w);

/* kfk_producer_topic_error for one @p partition of @p topic (-1: any of them). */
kfk_err_t kfk__producer_why(kfk_producer_t *p, const char *topic, int32_t partition, char *buf,
                            size_t size);

/* Runs the timer soon (sends what is ready, handles linger, retries and timeouts). */
void kfk__producer_kick(kfk_producer_t *p);
/* Frees a batch and its records' metadata (no reports). */
void kfk__producer_batch_free(pbatch_t *b);
/* A new open batch for @p tp (NULL: out of memory). */
pbatch_t *kfk__producer_batch_new(kfk_producer_t *p, toppar_t *tp);
/* The RecordBatch attributes of @p b: codec, producer id, epoch, base sequence. */
kfk_record_batch_attrs_t kfk__producer_batch_attrs(kfk_producer_t *p, const pbatch_t *b);
/* Reports every record of @p b (err, or the offsets from @p base) and frees it. */
void kfk__producer_batch_done(kfk_producer_t *p, pbatch_t *b, kfk_err_t err, int64_t base,
                              int64_t log_append_time);
/* Calls back the flushes whose records are all reported. */
void kfk__producer_check_flush(kfk_producer_t *p);

/* Sends the ready batches of every partition to their leaders (producer_send.c). */
void kfk__producer_send_all(kfk_producer_t *p, uint64_t now);

/* Closes the open batch of @p tp (its idempotent sequence numbers are assigned now) and queues
 * it; a batch that fails to finish is reported at once. */
void kfk__producer_close_open(kfk_producer_t *p, toppar_t *tp);

/* Batch @p b, the first unacknowledged one of its partition, is being reported failed: gives its
 * sequence numbers back (the batches queued after it are renumbered down) when neither it nor any
 * batch after it may have reached the broker. Returns 0 if so (or if it has none), -1 if the
 * producer must start a new epoch instead. */
int kfk__producer_seq_release(kfk_producer_t *p, pbatch_t *b);

/* After a new producer id or epoch: every unacknowledged batch is numbered again from 0. */
void kfk__producer_renumber(kfk_producer_t *p);

/* Fails every record not in flight (pending, open, queued) with @p err, and any in flight too
 * (reported now, freed when answered), then calls back the flushes that completes. */
void kfk__producer_fail_unsent(kfk_producer_t *p, kfk_err_t err);

/* The producer's section of the statistics document (producer_stats.c). */
void kfk__producer_render_stats(void *owner, kfk_wbuf_t *w);

/* ---- transactions (txn.c) ------------------------------------------------------------------ */

/* Makes @p p transactional (transactional.id is set): KFK_ERR__NOMEM or 0. */
kfk_err_t kfk__txn_new(kfk_producer_t *p);
/* Runs the transaction's state machine (coordinator lookups, InitProducerId, AddPartitionsToTxn,
 * EndTxn, the abort's drain); called by the producer's timer before it sends. */
void kfk__txn_step(kfk_producer_t *p, uint64_t now);
/* When the timer must run next for the transaction (UINT64_MAX: nothing to wait for). */
uint64_t kfk__txn_due(kfk_producer_t *p, uint64_t now);
/* 1 when @p tp, which has records, may send them (it is in the open transaction); else 0, and
 * it is asked into the transaction. */
int kfk__txn_may_send(kfk_producer_t *p, toppar_t *tp);
/* 0 when kfk_producer_send may take a record now (a transaction is open), else its error. */
kfk_err_t kfk__txn_check_send(kfk_producer_t *p);
/* A record of @p topic [@p partition] failed with @p err: the transaction must be aborted. */
void kfk__txn_record_failed(kfk_producer_t *p, kfk_err_t err, const char *topic, int32_t partition);
/* A Produce answered @p err: 1 when the batch fails now (fenced: the producer is done; a lost
 * producer state: the transaction must be aborted), 0 to handle it as any producer does. */
int kfk__txn_produce_error(kfk_producer_t *p, kfk_err_t err);
/* The state's name for the statistics ("Disabled" when not transactional). */
const char *kfk__txn_state_name(const kfk_producer_t *p);
/* Closing: stops waiting for brokers, ends a call in progress with KFK_ERR__DESTROYED. */
void kfk__txn_close(kfk_producer_t *p);

#endif
