/*
 * consumer.h: what the components above the consumer (events' listener, lock's partition
 * worker) use of it beyond kfk.h. The consumer's state is parts.h's and stays inside
 * src/client/consumer (and its group member, src/client/group).
 */
#ifndef KFK_CLIENT_CONSUMER_H
#define KFK_CLIENT_CONSUMER_H

#include <uv.h>

#include "ev/log.h"
#include "kfk/kfk.h"

/* Sets how many records a batch holds at most (the max.poll.records setting), e.g. a listener's
 * in-flight bound. Call it before kfk_consumer_start. */
void kfk__consumer_set_batch_limit(kfk_consumer_t *c, int records);

/* Turns batch.commit.wait on (@p on non-zero) or off for @p c: a partition's next batch is
 * handed out only once the commit of its previous one was acknowledged (needs group.id; a
 * failed commit is retried on the retry backoff). Call it before kfk_consumer_start. */
void kfk__consumer_set_commit_wait(kfk_consumer_t *c, int on);

/* Commits go out only while @p gate(@p opaque) says yes (a partition worker's lock); a commit
 * refused by it fails with KFK_ERR__LOCK_LOST. NULL removes the gate. */
void kfk__consumer_set_commit_gate(kfk_consumer_t *c, int (*gate)(void *opaque), void *opaque);

/* The logger of @p c's client; valid while @p c is. */
kfk__logger_t *kfk__consumer_log(kfk_consumer_t *c);

/* The loop @p c runs on. */
uv_loop_t *kfk__consumer_loop(kfk_consumer_t *c);

/* max.poll.interval.ms of @p c: how long a batch may stay in the application's hands. */
int64_t kfk__consumer_max_poll_interval_ms(const kfk_consumer_t *c);

/* When the oldest batch in the application's hands was delivered (uv_now of @p c's loop), or
 * UINT64_MAX when every batch handed out is done. */
uint64_t kfk__consumer_oldest_batch_ms(const kfk_consumer_t *c);

/* Gives up the batches in the application's hands delivered before @p delivered_before (uv_now
 * milliseconds): each becomes void (kfk_batch_done on it commits nothing, moves nothing and
 * frees it), leaves @p c (closing neither waits for it nor frees it) and keeps what its records
 * point to (chunks, decoded objects, its own copy of the topic names, the decoder's free
 * function), so it stays valid after @p c is freed, until kfk_batch_done. Its partitions'
 * records come again from the batch's first offset. Returns how many were given up (a batch
 * whose names cannot be copied, out of memory, stays). */
size_t kfk__consumer_abandon_batches(kfk_consumer_t *c, uint64_t delivered_before);

/* Stops handing batches to @p cb(@p opaque) if that is the callback kfk_consumer_start was
 * given: the consumer stays open and keeps its assignment, but delivers nothing more until
 * started again. Batches already handed out stay valid until kfk_batch_done. */
void kfk__consumer_detach(kfk_consumer_t *c, kfk_batch_cb cb, void *opaque);

#endif
