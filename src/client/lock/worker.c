/*
 * worker.c: the partition worker (the seeds' "consumer maker"): one partition of one topic,
 * consumed by whoever holds its Redis lock. If another worker holds the lock, the worker
 * finishes at once with KFK_ERR__LOCK_HELD and consumes nothing.
 *
 * Why a lock and not group membership: the workers of one group.id each take an explicitly
 * chosen partition (a job per partition, e.g. from a scheduler), not a share handed out by the
 * group coordinator. The consumer assigns that partition manually and commits with the simple
 * (non-member) commit of the group id, which any process may send; so the coordinator does not
 * keep two workers apart, the lock does. Its fencing number is exposed for side effects that
 * can check it.
 *
 * Safety: batches are delivered only while the lock is held; a commit goes out only while the
 * local lease (kfk_lock_is_held: TTL minus the safety margin, on the monotonic clock) lasts.
 * When the lock is lost (renewal refused or timed out, Redis unreachable past the deadline, a
 * loop stall), delivery stops at once, nothing more is committed, and the worker finishes with
 * KFK_ERR__LOCK_LOST. Records of a batch not yet committed then come again to the next holder:
 * at-least-once.
 *
 * At most one batch comes again after a crash: the worker's consumer waits for commits
 * (batch.commit.wait, always on here, whatever the configuration says): the next batch is
 * handed to the application only once the broker acknowledged the commit of the previous one,
 * as the seeds' consumer maker does (process a batch, await its commit, take the next), while
 * fetching goes on underneath. That costs one OffsetCommit round trip per batch. A failed
 * commit is sent again on the retry backoff (retry.backoff.ms doubling to retry.backoff.max.ms)
 * and no batch is handed out meanwhile; a lost lock shuts the commit gate and stops the worker.
 *
 * Typed batches: a decoder in the options is set on the consumer as soon as it is created
 * (inside the lock's acquire callback, before it starts), so every batch reaches the handler
 * with each record's decoded object or decode error (kfk_consumer_set_decoder's contract).
 *
 * Progress deadline: a batch not marked done within max.poll.interval.ms of its delivery ends
 * the worker (KFK_ERR__MAX_POLL_EXCEEDED), so that a hung handler cannot keep renewing the lock
 * forever: the lock is released at once (renewals stop; the key is deleted only if it still
 * holds our token), the batch is given up by the consumer (kfk__consumer_abandon_batches: void,
 * never committed, yet valid until the handler marks it done, even after the worker is freed,
 * so a late kfk_batch_done is harmless), and the consumer closes with nothing left to wait for.
 * The next holder of the lock gets the batch's records again. One timer (the worker's own, the
 * handle closed last) is armed for the oldest batch in the handler's hands; while the worker is
 * already stopping (lock lost, kfk_worker_close) it only gives up overdue batches so that the
 * consumer's close does not wait for them any longer.
 *
 * Transactions (opts.txn_producer): the lock keeps workers apart, and the producer's
 * transactional.id (one per partition) fences the zombie the lock cannot stop: a holder that
 * lost its lease while its transaction was open. The worker initialises the producer only once
 * the lock is granted (a worker that finds the lock held must not fence the holder), and starts
 * its consumer only after the init, which ends the earlier holder's open transaction, so the
 * committed offset it reads (OffsetFetch with require_stable) already counts that
 * transaction's outcome. Its consumer then commits nothing itself: the offsets go into the
 * handler's transactions.
 *
 * Lifecycle: a worker that finishes by itself (lock held elsewhere, lost, an error) reports it
 * once through done_cb (and in words through kfk_worker_errstr) and stays allocated;
 * kfk_worker_close ends it (its own timer handle, closed last, makes the close callback
 * asynchronous even when nothing else is open).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client/consumer/consumer.h"
#include "client/core/opts.h"
#include "protocol/mem.h"

struct kfk_worker {
    uv_loop_t *loop;
    kfk_conf_t *conf;
    kfk_lock_t *lock;
    kfk_consumer_t *consumer;
    char *topic;
    int32_t partition;
    char key[512];
    int64_t fence;
    kfk_batch_cb batch_cb;
    kfk_worker_done_cb done_cb;
    void *opaque;
    kfk_decode_cb decode;
    kfk_free_cb free_obj;
    void *decode_opaque;
    kfk_producer_t *txn;            /* opts.txn_producer (the caller's) */
    int txn_init_pending;           /* kfk_producer_init_txns under way: its callback still comes */
    int64_t max_poll_ms;            /* the consumer's max.poll.interval.ms */
    int64_t batch_first, batch_end; /* offsets of the last batch delivered */
    kfk_err_t result;
    char why[640]; /* kfk_worker_errstr */
    int releasing; /* kfk_lock_release under way: on_released closes the lock */
    int stopping;
    int consumer_open;
    int lock_open;
    int done;    /* the consumer and the lock are closed */
    int closing; /* kfk_worker_close was called */
    int64_t close_timeout_ms;
    kfk_worker_close_cb close_cb;
    void *close_opaque;
    void *data;
    uv_timer_t timer; /* the progress deadline; closed last: the close callback runs from its
                         close callback */
};

static void on_timer_closed(uv_handle_t *h) {
    kfk_worker_t *w = h->data;
    if (w->close_cb)
        w->close_cb(w, w->close_opaque); /* kfk.h: memory valid until it returns */
    kfk_conf_free(w->conf);
    kfk__free(w->topic);
    kfk__free(w);
}

static void finish_if_closed(kfk_worker_t *w) {
    if (w->consumer_open || w->lock_open || w->txn_init_pending)
        return;
    if (!w->done) {
        w->done = 1;
        if (!w->closing && w->done_cb) {
            w->done_cb(w, w->result, w->opaque); /* finished by itself */
            return;                              /* (kfk_worker_close in it does the rest) */
        }
    }
    if (w->closing && !uv_is_closing((uv_handle_t *)&w->timer))
        uv_close((uv_handle_t *)&w->timer, on_timer_closed);
}

static void on_lock_closed(kfk_lock_t *l, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    w->lock_open = 0;
    finish_if_closed(w);
}

static void on_released(kfk_lock_t *l, kfk_err_t err, void *opaque) {
    kfk_worker_t *w = opaque;
    w->releasing = 0;
    if (err && !w->result)
        w->result = err; /* the lease ran out before the release */
    size_t n = strlen(w->why);
    if (w->result == KFK_ERR__MAX_POLL_EXCEEDED && n < sizeof w->why) {
        if (err)
            snprintf(w->why + n, sizeof w->why - n,
                     ": lock %s not released (%s): its key expires after its TTL", w->key,
                     kfk_err_name(err));
        else
            snprintf(w->why + n, sizeof w->why - n, ": lock %s released", w->key);
    }
    kfk_lock_close(l, on_lock_closed, w);
}

/* Lets the lock go: released (the key deleted if it still holds our token), then closed. */
static void let_lock_go(kfk_worker_t *w) {
    if (!w->lock_open || w->releasing)
        return; /* closed or closing, or on_released closes it */
    w->releasing = 1;
    kfk_err_t err = kfk_lock_release(w->lock, on_released, w);
    if (err != KFK_ERR_NONE) {
        w->releasing = 0; /* nothing to release (never granted, lost): close it */
        size_t n = strlen(w->why);
        if (w->result == KFK_ERR__MAX_POLL_EXCEEDED && n < sizeof w->why)
            snprintf(w->why + n, sizeof w->why - n, ": lock %s closed (release: %s)", w->key,
                     kfk_err_name(err));
        kfk_lock_close(w->lock, on_lock_closed, w);
    }
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    kfk_worker_t *w = opaque;
    w->consumer_open = 0;
    w->consumer = NULL;
    uv_timer_stop(&w->timer);
    /* The consumer committed what was done (while the lease lasted): now let the lock go. */
    if (w->lock_open && !w->releasing && kfk_lock_is_held(w->lock))
        let_lock_go(w);
    else if (w->lock_open && !w->releasing)
        kfk_lock_close(w->lock, on_lock_closed, w);
    finish_if_closed(w);
}

static void shut(kfk_worker_t *w, kfk_err_t why, int64_t drain_ms) {
    if (w->stopping)
        return;
    w->stopping = 1;
    if (!w->result)
        w->result = why;
    if (w->consumer_open) {
        kfk_consumer_set_close_timeout(w->consumer, drain_ms);
        kfk_consumer_close(w->consumer, on_consumer_closed, w);
    } else if (w->lock_open)
        kfk_lock_close(w->lock, on_lock_closed, w);
    else
        finish_if_closed(w);
}

static int commit_gate(void *opaque) {
    kfk_worker_t *w = opaque;
    return w->lock && kfk_lock_is_held(w->lock);
}

static void on_progress(uv_timer_t *t);

/* Arms the progress timer for the oldest batch in the handler's hands (none: not armed; the
 * next batch arms it). */
static void arm_progress(kfk_worker_t *w) {
    if (!w->consumer || uv_is_closing((uv_handle_t *)&w->timer))
        return;
    uint64_t oldest = kfk__consumer_oldest_batch_ms(w->consumer);
    uint64_t now = uv_now(w->loop);
    if (oldest == UINT64_MAX) {
        uv_timer_stop(&w->timer);
        return;
    }
    uint64_t due = oldest + (uint64_t)w->max_poll_ms;
    uv_timer_start(&w->timer, on_progress, due > now ? due - now : 0, 0);
}

/* The oldest batch is max.poll.interval.ms old and still not done. */
static void progress_exceeded(kfk_worker_t *w, uint64_t now) {
    kfk__logger_t *log = kfk__consumer_log(w->consumer);
    if (w->stopping) {
        /* Already stopping (lock lost, kfk_worker_close): the consumer's close need not wait
         * for this batch any longer; it stays valid for a late kfk_batch_done. */
        size_t n = kfk__consumer_abandon_batches(w->consumer, now - (uint64_t)w->max_poll_ms + 1);
        kfk__log(log, KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "worker %s [%d]: %zu batch(es) not done within max.poll.interval.ms %lld while "
                 "stopping: given up (not committed)",
                 w->topic, w->partition, n, (long long)w->max_poll_ms);
        arm_progress(w);
        return;
    }
    snprintf(w->why, sizeof w->why,
             "handler did not finish the batch of %s [%d] (offsets %lld-%lld) within "
             "max.poll.interval.ms %lld",
             w->topic, w->partition, (long long)w->batch_first, (long long)w->batch_end - 1,
             (long long)w->max_poll_ms);
    kfk__log(log, KFK_LOG_WARNING, KFK_DBG_LOCK,
             "worker: %s; releasing lock %s; the batch is not committed (its records come again "
             "to the next holder)",
             w->why, w->key);
    w->result = KFK_ERR__MAX_POLL_EXCEEDED;
    /* Renewals stop now (and commits with them: the gate is the lease); the consumer gives up
     * every batch in the handler's hands, so its close has nothing to wait for or commit. */
    let_lock_go(w);
    kfk__consumer_abandon_batches(w->consumer, UINT64_MAX);
    shut(w, KFK_ERR__MAX_POLL_EXCEEDED, 0);
}

static void on_progress(uv_timer_t *t) {
    kfk_worker_t *w = t->data;
    if (!w->consumer)
        return;
    uint64_t now = uv_now(w->loop);
    uint64_t oldest = kfk__consumer_oldest_batch_ms(w->consumer);
    if (oldest != UINT64_MAX && now >= oldest + (uint64_t)w->max_poll_ms)
        progress_exceeded(w, now);
    else
        arm_progress(w);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    kfk_worker_t *w = opaque;
    if (!kfk_lock_is_held(w->lock)) {
        /* Past the lease deadline (e.g. after a loop stall): deliver nothing more. */
        kfk_batch_done(b, KFK_ERR__LOCK_LOST);
        kfk__log(kfk__consumer_log(c), KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "worker %s [%d]: lease ended: stopping", w->topic, w->partition);
        if (!w->stopping)
            snprintf(w->why, sizeof w->why,
                     "lock %s: the lease ended (its deadline passed before a renewal, e.g. the "
                     "loop was blocked): stopped without committing",
                     w->key);
        shut(w, KFK_ERR__LOCK_LOST, 0);
        return;
    }
    size_t n = kfk_batch_count(b);
    if (n) {
        w->batch_first = kfk_batch_message(b, 0)->offset;
        w->batch_end = kfk_batch_message(b, n - 1)->offset + 1;
    }
    arm_progress(w); /* before the handler: it may mark the batch done in the callback */
    w->batch_cb(c, b, w->opaque);
}

static void on_lost(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    if (w->consumer)
        kfk__log(kfk__consumer_log(w->consumer), KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "worker %s [%d]: lock %s lost (%s): stopping without committing", w->topic,
                 w->partition, w->key, kfk_err_name(reason));
    if (!w->stopping)
        snprintf(w->why, sizeof w->why, "%s (%s): stopped without committing",
                 kfk_lock_last_error(l), kfk_err_name(reason));
    if (w->consumer)
        kfk_consumer_pause(w->consumer, w->topic, w->partition);
    /* A batch in the application's hands stays valid until it is marked done (which commits
     * nothing now: the commit gate is shut), up to max.poll.interval.ms: freeing it here would
     * turn that kfk_batch_done into a use-after-free. */
    shut(w, KFK_ERR__LOCK_LOST, -1);
}

static void start_consumer(kfk_worker_t *w) {
    char errstr[512];
    kfk_err_t e = kfk_consumer_new(w->loop, w->conf, &w->consumer, errstr, sizeof errstr);
    if (e) {
        fprintf(stderr, "%%3|kfk|worker: %s [%d]: %s\n", w->topic, w->partition, errstr);
        snprintf(w->why, sizeof w->why, "%s", errstr);
        shut(w, e, 0);
        return;
    }
    w->consumer_open = 1;
    w->max_poll_ms = kfk__consumer_max_poll_interval_ms(w->consumer);
    if (w->decode)
        kfk_consumer_set_decoder(w->consumer, w->decode, w->free_obj, w->decode_opaque);
    kfk__consumer_set_commit_gate(w->consumer, commit_gate, w);
    kfk__consumer_set_commit_wait(w->consumer, 1);
    if (w->txn)
        kfk_consumer_set_offsets_in_txn(w->consumer, 1);
    kfk_topic_partition_t tp = {w->topic, w->partition, KFK_OFFSET_STORED};
    e = kfk_consumer_assign(w->consumer, &tp, 1);
    if (!e)
        e = kfk_consumer_start(w->consumer, on_batch, w);
    if (e)
        shut(w, e, 0);
}

static void on_txn_init(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    (void)p;
    kfk_worker_t *w = opaque;
    w->txn_init_pending = 0;
    if (w->stopping) {
        finish_if_closed(w); /* closed or lost meanwhile: its closes waited for this */
        return;
    }
    if (r->err) {
        snprintf(w->why, sizeof w->why,
                 "lock %s taken, but its transactional producer could not be initialised (%s): "
                 "%s",
                 w->key, kfk_err_name(r->err), r->errstr ? r->errstr : "");
        shut(w, r->err, 0);
        return;
    }
    if (!kfk_lock_is_held(w->lock)) {
        /* The init outlasted the lease: deliver nothing (on_lost says why, or says it here). */
        snprintf(w->why, sizeof w->why,
                 "lock %s: the lease ended while its transactional producer was being "
                 "initialised: stopped without consuming",
                 w->key);
        shut(w, KFK_ERR__LOCK_LOST, 0);
        return;
    }
    start_consumer(w);
}

static void on_acquired(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    if (w->stopping)
        return;
    if (err) {
        /* Held by another worker (the seed's "task exits immediately"), or Redis failed. */
        if (err == KFK_ERR__LOCK_HELD)
            snprintf(w->why, sizeof w->why, "lock %s is held by another worker", w->key);
        else
            snprintf(w->why, sizeof w->why, "cannot take lock %s: %s", w->key,
                     kfk_lock_last_error(l)[0] ? kfk_lock_last_error(l) : kfk_err_str(err));
        shut(w, err, 0);
        return;
    }
    w->fence = fence;
    if (!w->txn) {
        start_consumer(w);
        return;
    }
    /* Fence the earlier holder's producer and end its transaction before reading offsets. */
    w->txn_init_pending = 1;
    kfk_err_t e = kfk_producer_init_txns(w->txn, on_txn_init, w);
    if (e) {
        w->txn_init_pending = 0;
        snprintf(w->why, sizeof w->why,
                 "lock %s taken, but kfk_producer_init_txns refused its producer (%s): it needs "
                 "a transactional.id and no earlier init",
                 w->key, kfk_err_name(e));
        shut(w, e, 0);
    }
}

kfk_err_t kfk_worker_new(uv_loop_t *loop, const kfk_conf_t *conf, const kfk_worker_opts_t *opts_in,
                         kfk_batch_cb batch_cb, kfk_worker_done_cb done_cb, void *opaque,
                         kfk_worker_t **out, char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr || !errstr_size) {
        errstr = dummy;
        errstr_size = sizeof dummy;
    }
    if (!loop || !conf || !opts_in || !batch_cb || !out) {
        snprintf(errstr, errstr_size,
                 "kfk_worker_new: loop, conf, opts, batch_cb and out are needed");
        return KFK_ERR__INVALID_ARG;
    }
    kfk_worker_opts_t o = KFK_WORKER_OPTS_INIT;
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    const kfk_worker_opts_t *opts = &o;
    if (kfk__opts_read(&o, sizeof o, opts_in, "KFK_WORKER_OPTS_INIT", errstr, errstr_size))
        return KFK_ERR__INVALID_ARG;
    if (!o.topic || !o.topic[0] || o.partition < 0 || !o.lock) {
        snprintf(errstr, errstr_size, "kfk_worker_new: topic, partition and lock are needed");
        return KFK_ERR__INVALID_ARG;
    }
    if (!o.decode && o.free_obj) {
        snprintf(errstr, errstr_size, "kfk_worker_new: free_obj is set but decode is not");
        return KFK_ERR__INVALID_ARG;
    }
    if (kfk__opts_read(&lo, sizeof lo, o.lock, "KFK_LOCK_OPTS_INIT", errstr, errstr_size))
        return KFK_ERR__INVALID_ARG;
    char group[256];
    size_t gl = sizeof group;
    if (kfk_conf_get(conf, "group.id", group, &gl) != 0 || !group[0]) {
        snprintf(errstr, errstr_size, "the partition worker needs group.id (commits and lock key)");
        return KFK_ERR__INVALID_CONF;
    }
    kfk_worker_t *w = kfk__calloc(1, sizeof *w);
    if (!w)
        return KFK_ERR__NOMEM;
    w->loop = loop;
    w->partition = opts->partition;
    w->batch_cb = batch_cb;
    w->done_cb = done_cb;
    w->opaque = opaque;
    w->decode = o.decode;
    w->free_obj = o.free_obj;
    w->decode_opaque = o.decode_opaque;
    w->txn = o.txn_producer;
    w->fence = -1;
    w->close_timeout_ms = -1;
    w->conf = kfk_conf_dup(conf);
    w->topic = kfk__strndup(opts->topic, strlen(opts->topic));
    if (!w->conf || !w->topic) {
        kfk_conf_free(w->conf);
        kfk__free(w->topic);
        kfk__free(w);
        return KFK_ERR__NOMEM;
    }
    snprintf(w->key, sizeof w->key, "%s:%s:%s:%d",
             opts->lock_prefix && *opts->lock_prefix ? opts->lock_prefix : "kfk:lock", group,
             opts->topic, opts->partition);
    if (!lo.conf)
        lo.conf = w->conf;
    kfk_err_t err = kfk_lock_new(loop, &lo, &w->lock, errstr, errstr_size);
    if (err) {
        kfk_conf_free(w->conf);
        kfk__free(w->topic);
        kfk__free(w);
        return err;
    }
    uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    w->lock_open = 1;
    kfk_lock_set_lost_cb(w->lock, on_lost, w);
    err = kfk_lock_acquire(w->lock, w->key, on_acquired, w);
    if (err) {
        snprintf(errstr, errstr_size, "cannot start acquiring %s: %s", w->key, kfk_err_str(err));
        w->closing = 1; /* no object for the caller: it frees itself once the lock closed */
        shut(w, err, 0);
        return err;
    }
    *out = w;
    return KFK_ERR_NONE;
}

void kfk_worker_close(kfk_worker_t *w, kfk_worker_close_cb cb, void *opaque) {
    if (!w || w->closing)
        return;
    w->closing = 1;
    w->close_cb = cb;
    w->close_opaque = opaque;
    if (w->stopping)
        finish_if_closed(w); /* finished (or finishing) by itself: its closes are under way */
    else
        shut(w, KFK_ERR_NONE, w->close_timeout_ms);
}

void kfk_worker_set_close_timeout(kfk_worker_t *w, int64_t timeout_ms) {
    if (w)
        w->close_timeout_ms = timeout_ms;
}

void *kfk_worker_get_data(const kfk_worker_t *w) {
    return w ? w->data : NULL;
}

void kfk_worker_set_data(kfk_worker_t *w, void *data) {
    if (w)
        w->data = data;
}

int64_t kfk_worker_fence(const kfk_worker_t *w) {
    return w ? w->fence : 0;
}

const char *kfk_worker_lock_key(const kfk_worker_t *w) {
    return w ? w->key : NULL;
}

kfk_consumer_t *kfk_worker_consumer(const kfk_worker_t *w) {
    return w ? w->consumer : NULL;
}

const char *kfk_worker_errstr(const kfk_worker_t *w) {
    return w && w->done ? w->why : "";
}
