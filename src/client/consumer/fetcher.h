/*
 * fetcher.h: the consumer's fetch pipeline (fetcher.c): Fetch requests per leader, and
 * ListOffsets for starting offsets. Called by consumer.c's loop.
 */
#ifndef KFK_CLIENT_FETCHER_H
#define KFK_CLIENT_FETCHER_H

#include "client/consumer/parts.h"

/* Sends a Fetch to each broker that has none in flight; lowers @p next to when it must run
 * again (a backoff or a deferred Fetch ends). */
void kfk__fetcher_run(kfk_consumer_t *c, uint64_t *next);
/* Stops waiting for brokers (the consumer is closing); requests in flight still return. */
void kfk__fetcher_close(kfk_consumer_t *c);
/* Frees the per-broker state, once the client (and every request) closed. */
void kfk__fetcher_free(kfk_consumer_t *c);
/* Sends one ListOffsets per leader for the partitions that need a starting offset (an explicit
 * KFK_OFFSET_BEGINNING / KFK_OFFSET_END, or auto.offset.reset). */
void kfk__fetcher_list_offsets(kfk_consumer_t *c);

#endif
