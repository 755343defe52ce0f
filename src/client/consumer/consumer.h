/*
 * consumer.h: what the components above the consumer (events' listener, lock's partition
 * worker) use of it beyond kfk.h. The consumer's state is parts.h's; this header still
 * includes it for the fields those callers read (the logger, the loop).
 */
#ifndef KFK_CLIENT_CONSUMER_H
#define KFK_CLIENT_CONSUMER_H

#include "client/consumer/parts.h"

/* Sets how many records a batch holds at most (the batch.size setting), e.g. a listener's
 * in-flight bound. Call it before kfk_consumer_start. */
void kfk__consumer_set_batch_limit(kfk_consumer_t *c, int records);

/* Commits go out only while @p gate(@p opaque) says yes (a partition worker's lock); a commit
 * refused by it fails with KFK_ERR__LOCK_LOST. NULL removes the gate. */
void kfk__consumer_set_commit_gate(kfk_consumer_t *c, int (*gate)(void *opaque), void *opaque);

#endif
